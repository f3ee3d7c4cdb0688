import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { BEHAVIOUR, PERSONAS } from '../../scripts/sample-data/personas.ts';
import { DEFAULT_AS_OF, generateSampleData, type SampleSummary } from '../../scripts/sample-data/generate.ts';

const SCALE = 300;
const root = mkdtempSync(join(tmpdir(), 'personaflow-sample-'));
const dirA = join(root, 'a');
const dirB = join(root, 'b');
const dirOtherSeed = join(root, 'other-seed');
const dirClean = join(root, 'clean');

let a: SampleSummary;
let otherSeed: SampleSummary;
let clean: SampleSummary;

interface OrderRow {
  order_id: string;
  customer_id: string;
  ordered_at: Date;
  category: string | null;
  quantity: number;
  unit_price: number;
  discount: number;
  status: string;
}
interface BadRow {
  table: string;
  key: string;
  reason: string;
}
type Json = Record<string, unknown>;

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort();
const jsonl = (path: string): Json[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Json);
const lit = (path: string): string => `'${path.replaceAll("'", "''")}'`;

async function query<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
  const warehouse = await Warehouse.open(':memory:');
  try {
    return await warehouse.withSession(async (s) => {
      await s.run("SET TimeZone = 'UTC'");
      return s.all<T>(sql);
    });
  } finally {
    warehouse.close();
  }
}

beforeAll(async () => {
  a = await generateSampleData({ outDir: dirA, scale: SCALE });
  await generateSampleData({ outDir: dirB, scale: SCALE });
  otherSeed = await generateSampleData({ outDir: dirOtherSeed, scale: SCALE, seed: 7 });
  clean = await generateSampleData({ outDir: dirClean, scale: SCALE, dirty: false });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sample data generator', () => {
  it('writes the contract tables and the ground truth, and removes its temp file', () => {
    expect(filesUnder(dirA)).toEqual([
      '_truth/bad_rows.csv',
      '_truth/personas.csv',
      '_truth/review_labels.csv',
      'customers.csv',
      'orders.parquet',
      'reviews.jsonl',
      'sessions.jsonl',
    ]);
  });

  it('is byte-identical for the same seed and differs for another seed', () => {
    const files = filesUnder(dirA);
    expect(filesUnder(dirB)).toEqual(files);
    for (const file of files) {
      expect(readFileSync(join(dirB, file)).equals(readFileSync(join(dirA, file))), file).toBe(true);
    }
    for (const file of ['customers.csv', 'orders.parquet', 'sessions.jsonl', 'reviews.jsonl', '_truth/personas.csv']) {
      expect(readFileSync(join(dirOtherSeed, file)).equals(readFileSync(join(dirA, file))), file).toBe(false);
    }
    expect(otherSeed.customers).toBe(SCALE);
  });

  it('writes as many rows as the summary says', async () => {
    const [counts] = await query<{ customers: number; orders: number; personas: number; labels: number; bad: number }>(`
      SELECT (SELECT count(*) FROM read_csv(${lit(join(dirA, 'customers.csv'))})) AS customers,
             (SELECT count(*) FROM read_parquet(${lit(join(dirA, 'orders.parquet'))})) AS orders,
             (SELECT count(*) FROM read_csv(${lit(join(dirA, '_truth/personas.csv'))})) AS personas,
             (SELECT count(*) FROM read_csv(${lit(join(dirA, '_truth/review_labels.csv'))})) AS labels,
             (SELECT count(*) FROM read_csv(${lit(join(dirA, '_truth/bad_rows.csv'))})) AS bad`);
    expect(counts).toBeDefined();
    expect(a.customers).toBe(SCALE);
    expect(counts?.customers).toBe(SCALE);
    expect(counts?.personas).toBe(SCALE);
    expect(counts?.orders).toBe(a.orders);
    expect(jsonl(join(dirA, 'sessions.jsonl'))).toHaveLength(a.sessions);
    expect(jsonl(join(dirA, 'reviews.jsonl'))).toHaveLength(a.reviews);
    expect(counts?.bad).toBe(a.badRows);
    const badReviews = (await badRows(dirA)).filter((r) => r.table === 'reviews').length;
    expect(counts?.labels).toBe(a.reviews - badReviews);
    expect(Object.values(a.personas).reduce((x, y) => x + y, 0)).toBe(SCALE);
  });

  it('types the orders Parquet columns', async () => {
    const columns = await query<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet(${lit(join(dirA, 'orders.parquet'))})`,
    );
    expect(Object.fromEntries(columns.map((c) => [c.column_name, c.column_type]))).toEqual({
      order_id: 'VARCHAR',
      customer_id: 'VARCHAR',
      ordered_at: 'TIMESTAMP WITH TIME ZONE',
      category: 'VARCHAR',
      quantity: 'INTEGER',
      unit_price: 'DOUBLE',
      discount: 'DOUBLE',
      status: 'VARCHAR',
    });
  });

  it('plants personas in roughly the intended shares', async () => {
    const rows = await query<{ persona: string; n: number }>(
      `SELECT persona, count(*) AS n FROM read_csv(${lit(join(dirA, '_truth/personas.csv'))}) GROUP BY 1`,
    );
    const counts = Object.fromEntries(rows.map((r) => [r.persona, r.n]));
    expect(counts).toEqual(a.personas);
    for (const persona of PERSONAS) {
      expect(Math.abs((counts[persona] ?? 0) / SCALE - BEHAVIOUR[persona].share), persona).toBeLessThan(0.07);
    }
  });

  it('plants bad rows that each break a contract rule, and lists every one', async () => {
    const bad = await badRows(dirA);
    expect(bad.length).toBeGreaterThan(0);
    expect(a.badRows).toBe(bad.length);
    for (const table of ['orders', 'sessions', 'reviews']) {
      expect(bad.some((r) => r.table === table), table).toBe(true);
    }
    const customers = await customerIds(dirA);
    const badKeys = (table: string) => new Set(bad.filter((r) => r.table === table).map((r) => r.key));

    // Orders: every rule-breaking row is listed, and every listed key names a rule-breaking row.
    const orders = await query<OrderRow & Record<string, unknown>>(
      `SELECT * FROM read_parquet(${lit(join(dirA, 'orders.parquet'))})`,
    );
    const seen = new Set<string>();
    const breaking = new Set<string>();
    for (const o of orders) {
      const broken =
        seen.has(o.order_id) ||
        !customers.has(o.customer_id) ||
        o.quantity < 1 ||
        o.unit_price < 0 ||
        o.discount < 0 ||
        !['completed', 'cancelled', 'refunded'].includes(o.status);
      if (broken) breaking.add(o.order_id);
      seen.add(o.order_id);
    }
    expect([...breaking].sort()).toEqual([...badKeys('orders')].sort());

    const sessions = jsonl(join(dirA, 'sessions.jsonl'));
    const seenSessions = new Set<string>();
    const breakingSessions = new Set<string>();
    for (const s of sessions) {
      const id = s.session_id as string;
      const pageViews = s.page_views as number | null;
      if (
        seenSessions.has(id) ||
        !customers.has(s.customer_id as string) ||
        (s.duration_s as number) < 0 ||
        (pageViews !== null && pageViews < 0)
      ) {
        breakingSessions.add(id);
      }
      seenSessions.add(id);
    }
    expect([...breakingSessions].sort()).toEqual([...badKeys('sessions')].sort());

    const reviews = jsonl(join(dirA, 'reviews.jsonl'));
    const seenReviews = new Set<string>();
    const breakingReviews = new Set<string>();
    for (const r of reviews) {
      const id = r.review_id as string;
      const rating = r.rating as number | null;
      if (
        seenReviews.has(id) ||
        !customers.has(r.customer_id as string) ||
        (r.text as string).trim() === '' ||
        (rating !== null && (rating < 1 || rating > 5))
      ) {
        breakingReviews.add(id);
      }
      seenReviews.add(id);
    }
    expect([...breakingReviews].sort()).toEqual([...badKeys('reviews')].sort());
  });

  it('keeps every good row pointing at a real customer', async () => {
    const customers = await customerIds(dirA);
    const bad = new Set((await badRows(dirA)).map((r) => r.key));
    const orphans = await query<{ order_id: string }>(
      `SELECT order_id FROM read_parquet(${lit(join(dirA, 'orders.parquet'))})
       WHERE customer_id NOT IN (SELECT customer_id FROM read_csv(${lit(join(dirA, 'customers.csv'))}))`,
    );
    expect(orphans.length).toBeGreaterThan(0);
    for (const o of orphans) expect(bad.has(o.order_id)).toBe(true);
    for (const file of ['sessions.jsonl', 'reviews.jsonl']) {
      for (const row of jsonl(join(dirA, file))) {
        const key = (row.session_id ?? row.review_id) as string;
        if (!customers.has(row.customer_id as string)) expect(bad.has(key), key).toBe(true);
      }
    }
  });

  it('leaves the good rows unchanged when no bad rows are planted', async () => {
    expect(clean.badRows).toBe(0);
    expect(readFileSync(join(dirClean, '_truth/bad_rows.csv'), 'utf8')).toBe('table,key,reason\n');
    for (const file of ['customers.csv', '_truth/personas.csv', '_truth/review_labels.csv']) {
      expect(readFileSync(join(dirClean, file)).equals(readFileSync(join(dirA, file))), file).toBe(true);
    }
    const bad = await badRows(dirA);
    for (const [file, table] of [
      ['sessions.jsonl', 'sessions'],
      ['reviews.jsonl', 'reviews'],
    ] as const) {
      const lines = (dir: string) => readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean);
      const dirty = lines(dirA);
      const cleanLines = lines(dirClean);
      expect(dirty.length - cleanLines.length).toBe(bad.filter((r) => r.table === table).length);
      // Bad rows are extra rows: removing them (new X ids and exact repeats) gives the clean file back.
      const stripped = dirty.filter((line, i) => !line.includes(`_id":"${table[0]?.toUpperCase()}X`) && line !== dirty[i - 1]);
      expect(stripped).toEqual(cleanLines);
    }
    expect(clean.orders).toBe(a.orders - bad.filter((r) => r.table === 'orders').length);
  });

  it('puts a small share of events after as-of, within 30 days', async () => {
    const asOf = DEFAULT_AS_OF.getTime();
    const limit = asOf + 31 * 86_400_000;
    const [orders] = await query<{ after: number; latest: Date; total: number }>(
      `SELECT count(*) FILTER (WHERE ordered_at > TIMESTAMPTZ '2026-11-01T00:00:00Z') AS after,
              max(ordered_at) AS latest, count(*) AS total
       FROM read_parquet(${lit(join(dirA, 'orders.parquet'))})`,
    );
    expect(orders?.after).toBeGreaterThan(0);
    expect((orders?.after ?? 0) / (orders?.total ?? 1)).toBeLessThan(0.05);
    expect(orders?.latest.getTime()).toBeLessThan(limit);
    for (const [file, column] of [
      ['sessions.jsonl', 'started_at'],
      ['reviews.jsonl', 'created_at'],
    ] as const) {
      const times = jsonl(join(dirA, file)).map((row) => Date.parse(row[column] as string));
      const after = times.filter((t) => t > asOf).length;
      expect(after, file).toBeGreaterThan(0);
      expect(after / times.length, file).toBeLessThan(0.05);
      expect(Math.max(...times), file).toBeLessThan(limit);
    }
    const signups = await query<{ late: number }>(
      `SELECT count(*) AS late FROM read_csv(${lit(join(dirA, 'customers.csv'))}) WHERE signup_at > TIMESTAMPTZ '2026-11-01T00:00:00Z'`,
    );
    expect(signups[0]?.late).toBe(0);
  });

  it('writes timestamps as ISO 8601 with Z', () => {
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
    for (const row of jsonl(join(dirA, 'sessions.jsonl')).slice(0, 200)) expect(row.started_at).toMatch(iso);
    for (const row of jsonl(join(dirA, 'reviews.jsonl')).slice(0, 200)) expect(row.created_at).toMatch(iso);
    const lines = readFileSync(join(dirA, 'customers.csv'), 'utf8').split('\n').slice(1, 200).filter(Boolean);
    for (const line of lines) expect(line.split(',')[1]).toMatch(iso);
  });

  it('writes some Chinese reviews and some reviews with contact details', async () => {
    const reviews = jsonl(join(dirA, 'reviews.jsonl'));
    const texts = reviews.map((r) => r.text as string);
    const chinese = texts.filter((t) => /[\u4e00-\u9fff]/.test(t)).length;
    expect(chinese).toBeGreaterThan(0);
    expect(chinese / texts.length).toBeLessThan(0.25);
    const pii = texts.filter((t) => /[\w.+-]+@example\.(com|org|net)|555-01\d\d|138 ?0013 ?8000/.test(t));
    expect(pii.length).toBeGreaterThan(0);
    expect(pii.length / texts.length).toBeLessThan(0.1);

    const labels = await query<{ review_id: string; language: string; sentiment: string; purchase_intent: string; price_sensitive: boolean }>(
      `SELECT * FROM read_csv(${lit(join(dirA, '_truth/review_labels.csv'))})`,
    );
    const textById = new Map(reviews.map((r) => [r.review_id as string, r.text as string]));
    for (const label of labels) {
      expect(['negative', 'neutral', 'positive']).toContain(label.sentiment);
      expect(['none', 'low', 'high']).toContain(label.purchase_intent);
      expect(typeof label.price_sensitive).toBe('boolean');
      expect(/[\u4e00-\u9fff]/.test(textById.get(label.review_id) ?? ''), label.review_id).toBe(label.language === 'zh');
    }
    expect(labels.some((l) => l.price_sensitive)).toBe(true);
  });
});

async function badRows(dir: string): Promise<BadRow[]> {
  return query<BadRow & Record<string, unknown>>(
    `SELECT * FROM read_csv(${lit(join(dir, '_truth/bad_rows.csv'))}, all_varchar = true)`,
  );
}

async function customerIds(dir: string): Promise<Set<string>> {
  const rows = await query<{ customer_id: string }>(`SELECT customer_id FROM read_csv(${lit(join(dir, 'customers.csv'))})`);
  return new Set(rows.map((r) => r.customer_id));
}
