import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BAD_KINDS, BAD_RATE, BAD_REASONS, BadRowPlanter } from './bad-rows.ts';
import { csvToParquet } from './parquet.ts';
import { PERSONAS } from './personas.ts';
import { Rng, STREAM } from './prng.ts';
import { simulateCustomer, type OrderStatus } from './simulate.ts';
import { isoSeconds } from './time.ts';
import { LineWriter, csvRow, formatCents } from './writers.ts';

/**
 * Writes a deterministic sample source folder that follows
 * /work/shared/data-contract.md: customers.csv, orders.parquet, sessions.jsonl,
 * reviews.jsonl, plus ground truth under _truth/ (ignored by loaders, which
 * only read contract table names) for scoring segmentation and extraction.
 *
 * Customers are simulated one at a time and their rows written straight
 * away, so memory does not grow with scale. Orders are streamed to a
 * temporary CSV and converted to Parquet by DuckDB at the end.
 */

export type Scale = 'small' | 'medium' | 'large' | 'xlarge' | number;

export const SCALES = { small: 2_000, medium: 20_000, large: 100_000, xlarge: 1_000_000 } as const;
export const DEFAULT_SEED = 42;
export const DEFAULT_AS_OF = new Date('2026-11-01T00:00:00Z');

export interface SampleOptions {
  outDir: string;
  /** A named scale or a number of customers (default small = 2,000). */
  scale?: Scale;
  seed?: number;
  /** The as-of time the history is built around (default 2026-11-01T00:00:00Z). */
  asOf?: Date;
  /** Plant rule-breaking rows in orders, sessions and reviews (default true). */
  dirty?: boolean;
  /** Called every few thousand customers, for progress output. */
  onProgress?: (customersDone: number, customersTotal: number) => void;
}

export interface SampleSummary {
  outDir: string;
  customers: number;
  /** Rows written per table, bad rows included. */
  orders: number;
  sessions: number;
  reviews: number;
  /** Planted bad rows over all tables (listed in _truth/bad_rows.csv). */
  badRows: number;
  /** Customers per planted persona. */
  personas: Record<string, number>;
}

export function customerCount(scale: Scale = 'small'): number {
  const n = typeof scale === 'number' ? scale : SCALES[scale];
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`scale must be a named scale or a positive integer, got ${scale}`);
  return n;
}

/** File names inside outDir. */
export const SAMPLE_FILES = {
  customers: 'customers.csv',
  orders: 'orders.parquet',
  sessions: 'sessions.jsonl',
  reviews: 'reviews.jsonl',
  truthPersonas: '_truth/personas.csv',
  truthReviewLabels: '_truth/review_labels.csv',
  truthBadRows: '_truth/bad_rows.csv',
} as const;

/** Parquet column types for orders. */
const ORDER_COLUMNS = {
  order_id: 'VARCHAR',
  customer_id: 'VARCHAR',
  ordered_at: 'TIMESTAMPTZ',
  category: 'VARCHAR',
  quantity: 'INTEGER',
  unit_price: 'DOUBLE',
  discount: 'DOUBLE',
  status: 'VARCHAR',
};

/** Zero-padded ids; the width is fixed per table and scale so ids sort and look alike. */
const idMaker = (prefix: string, width: number) => (n: number) => `${prefix}${String(n).padStart(width, '0')}`;
const digits = (n: number): number => String(Math.ceil(n)).length;

interface OrderRow {
  id: string;
  customerId: string;
  at: number;
  category: string | null;
  quantity: number;
  unitPriceCents: number;
  discountCents: number;
  status: OrderStatus | string;
}

interface SessionRow {
  id: string;
  customerId: string;
  at: number;
  durationS: number;
  pageViews: number | null;
  category: string | null;
  addedToCart: boolean;
}

interface ReviewRow {
  id: string;
  customerId: string;
  at: number;
  rating: number | null;
  text: string;
  category: string | null;
}

// A template instead of csvRow: every field is an id, number, timestamp or fixed word (nothing to quote),
// and orders are the second-largest table.
const orderLine = (o: OrderRow): string =>
  `${o.id},${o.customerId},${isoSeconds(o.at)},${o.category ?? ''},${o.quantity},` +
  `${formatCents(o.unitPriceCents)},${formatCents(o.discountCents)},${o.status}`;

// Hand-built JSON: every value here is an id, number, boolean or fixed word, so no escaping is needed,
// and it is several times faster than JSON.stringify for the largest table.
const sessionLine = (s: SessionRow): string =>
  `{"session_id":"${s.id}","customer_id":"${s.customerId}","started_at":"${isoSeconds(s.at)}","duration_s":${s.durationS},` +
  `"page_views":${s.pageViews === null ? 'null' : s.pageViews},"category":${s.category === null ? 'null' : `"${s.category}"`},` +
  `"added_to_cart":${s.addedToCart}}`;

const reviewLine = (r: ReviewRow): string =>
  JSON.stringify({
    review_id: r.id,
    customer_id: r.customerId,
    created_at: isoSeconds(r.at),
    rating: r.rating,
    text: r.text,
    category: r.category,
  });

export async function generateSampleData(options: SampleOptions): Promise<SampleSummary> {
  const n = customerCount(options.scale);
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const asOfDate = options.asOf ?? DEFAULT_AS_OF;
  if (Number.isNaN(asOfDate.getTime())) throw new Error('asOf is not a valid date');
  const asOf = Math.floor(asOfDate.getTime() / 1000);
  const dirty = options.dirty ?? true;
  const outDir = resolve(options.outDir);
  mkdirSync(join(outDir, '_truth'), { recursive: true });

  const customerId = idMaker('C', Math.max(6, digits(n)));
  // Widths from generous per-customer averages; a longer id is still unique, just wider.
  const orderId = idMaker('O', Math.max(7, digits(n * 40)));
  const sessionId = idMaker('S', Math.max(8, digits(n * 60)));
  const reviewId = idMaker('R', Math.max(7, digits(n * 4)));
  // Bad rows get their own numbering (an X after the prefix) so good rows keep the same ids with or without dirt.
  const badOrderId = idMaker('OX', 6);
  const badSessionId = idMaker('SX', 6);
  const badReviewId = idMaker('RX', 6);

  const tmpOrders = join(outDir, '_orders.tmp.csv');
  const customers = new LineWriter(join(outDir, SAMPLE_FILES.customers), 'customer_id,signup_at,country,birth_year,email');
  const orders = new LineWriter(tmpOrders, Object.keys(ORDER_COLUMNS).join(','));
  const sessions = new LineWriter(join(outDir, SAMPLE_FILES.sessions));
  const reviews = new LineWriter(join(outDir, SAMPLE_FILES.reviews));
  const truthPersonas = new LineWriter(join(outDir, SAMPLE_FILES.truthPersonas), 'customer_id,persona');
  const truthLabels = new LineWriter(
    join(outDir, SAMPLE_FILES.truthReviewLabels),
    'review_id,sentiment,purchase_intent,price_sensitive,language',
  );
  const truthBad = new LineWriter(join(outDir, SAMPLE_FILES.truthBadRows), 'table,key,reason');

  const dirtyRng = dirty ? Rng.derive(seed, STREAM.dirty) : undefined;
  const orderDirt = new BadRowPlanter(dirtyRng, BAD_KINDS.orders, BAD_RATE.orders, 97);
  const sessionDirt = new BadRowPlanter(dirtyRng, BAD_KINDS.sessions, BAD_RATE.sessions, 89);
  const reviewDirt = new BadRowPlanter(dirtyRng, BAD_KINDS.reviews, BAD_RATE.reviews, 23);
  let badCount = 0;
  // Ids just past the last real customer: well-formed, but not in customers.
  const unknownCustomer = (): string => customerId(n + 1 + badCount);
  const recordBad = (table: string, key: string, kind: string): void => {
    truthBad.line(csvRow([table, key, BAD_REASONS[kind] ?? kind]));
    badCount++;
  };

  const personaCounts: Record<string, number> = Object.fromEntries(PERSONAS.map((p) => [p, 0]));
  let orderSeq = 0;
  let sessionSeq = 0;
  let reviewSeq = 0;

  try {
    for (let i = 0; i < n; i++) {
      const cid = customerId(i + 1);
      const { profile, orders: orderEvents, sessions: sessionEvents, reviews: reviewEvents } = simulateCustomer(i, {
        seed,
        asOf,
      });
      personaCounts[profile.persona] = (personaCounts[profile.persona] ?? 0) + 1;
      customers.line(
        csvRow([
          cid,
          isoSeconds(profile.signupAt),
          profile.hideCountry ? null : profile.person.country,
          profile.hideBirthYear ? null : profile.person.birthYear,
          profile.hideEmail ? null : profile.person.email,
        ]),
      );
      truthPersonas.line(csvRow([cid, profile.persona]));

      for (const event of orderEvents) {
        const row: OrderRow = { id: orderId(++orderSeq), customerId: cid, ...event };
        orders.line(orderLine(row));
        const kind = orderDirt.next();
        if (!kind || !dirtyRng) continue;
        const bad: OrderRow = { ...row, id: badOrderId(orderDirt.planted) };
        if (kind === 'negative_unit_price') bad.unitPriceCents = -Math.max(1, row.unitPriceCents);
        else if (kind === 'zero_quantity') bad.quantity = 0;
        else if (kind === 'unknown_status') bad.status = dirtyRng.pick(['shipped', 'pending', 'COMPLETE', 'returned']);
        else if (kind === 'unknown_customer') bad.customerId = unknownCustomer();
        else if (kind === 'duplicate_order_id') bad.id = row.id;
        else if (kind === 'negative_discount') bad.discountCents = -dirtyRng.int(100, 2_000);
        orders.line(orderLine(bad));
        recordBad('orders', bad.id, kind);
      }

      for (const event of sessionEvents) {
        const row: SessionRow = { id: sessionId(++sessionSeq), customerId: cid, ...event };
        sessions.line(sessionLine(row));
        const kind = sessionDirt.next();
        if (!kind || !dirtyRng) continue;
        const bad: SessionRow = { ...row, id: badSessionId(sessionDirt.planted) };
        if (kind === 'negative_duration') bad.durationS = -dirtyRng.int(1, 600);
        else if (kind === 'negative_page_views') bad.pageViews = -dirtyRng.int(1, 5);
        else if (kind === 'unknown_customer') bad.customerId = unknownCustomer();
        else if (kind === 'duplicate_session_id') bad.id = row.id;
        sessions.line(sessionLine(bad));
        recordBad('sessions', bad.id, kind);
      }

      for (const event of reviewEvents) {
        const row: ReviewRow = { id: reviewId(++reviewSeq), customerId: cid, ...event };
        reviews.line(reviewLine(row));
        const l = event.labels;
        truthLabels.line(csvRow([row.id, l.sentiment, l.intent, l.priceSensitive, l.language]));
        const kind = reviewDirt.next();
        if (!kind || !dirtyRng) continue;
        const bad: ReviewRow = { ...row, id: badReviewId(reviewDirt.planted) };
        if (kind === 'empty_text') bad.text = '';
        else if (kind === 'rating_out_of_range') bad.rating = dirtyRng.pick([0, 6, 7, 10]);
        else if (kind === 'unknown_customer') bad.customerId = unknownCustomer();
        else if (kind === 'duplicate_review_id') bad.id = row.id;
        reviews.line(reviewLine(bad));
        recordBad('reviews', bad.id, kind);
      }

      if (options.onProgress && (i + 1) % 10_000 === 0) options.onProgress(i + 1, n);
    }
  } finally {
    for (const writer of [customers, orders, sessions, reviews, truthPersonas, truthLabels, truthBad]) writer.close();
  }

  const tmpDuckdb = join(outDir, '_duckdb.tmp');
  try {
    const parquetRows = await csvToParquet(tmpOrders, join(outDir, SAMPLE_FILES.orders), ORDER_COLUMNS, {
      tempDirectory: tmpDuckdb,
    });
    if (parquetRows !== orders.lines) {
      throw new Error(`orders.parquet has ${parquetRows} rows, expected ${orders.lines}`);
    }
  } finally {
    rmSync(tmpOrders, { force: true });
    rmSync(tmpDuckdb, { recursive: true, force: true });
  }
  options.onProgress?.(n, n);

  return {
    outDir,
    customers: customers.lines,
    orders: orders.lines,
    sessions: sessions.lines,
    reviews: reviews.lines,
    badRows: badCount,
    personas: personaCounts,
  };
}
