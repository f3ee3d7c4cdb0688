import { openTestStore } from '../support/store.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RejectLimitError, SourceError } from '../../activities/errors.ts';
import { loadSources, type LoadSourcesInput, type LoadSummary } from '../../activities/warehouse/load-sources.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { Warehouse, type Session } from '../../activities/warehouse/warehouse.ts';

const RUN_ID = 'run-load-1';
const SCHEMA = runSchema(RUN_ID);
const AS_OF = new Date('2024-06-01T00:00:00Z');

let dir: string;
let source: string;
let warehouse: Warehouse;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'personaflow-load-'));
  source = join(dir, 'source');
  mkdirSync(source);
  warehouse = await openTestStore(dir);
  await warehouse.withSession(ensureWarehouseSchema);
});

afterEach(() => {
  warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, lines: string[]): void {
  const path = join(source, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function jsonl(name: string, rows: object[]): void {
  write(name, rows.map((r) => JSON.stringify(r)));
}

function load(overrides: Partial<LoadSourcesInput> = {}): Promise<LoadSummary> {
  return warehouse.withSession((s) =>
    loadSources(s, { runId: RUN_ID, schema: SCHEMA, sourceDir: source, asOf: AS_OF, maxRejectShare: 1, ...overrides }),
  );
}

function query<T extends Record<string, unknown>>(sql: string, params?: string[]): Promise<T[]> {
  return warehouse.withSession((s: Session) => s.all<T>(sql, params));
}

async function rejects(table: string): Promise<{ row_number: number; row_key: string | null; reason: string; raw_row: string }[]> {
  return query(
    `SELECT row_number, row_key, reason, raw_row::VARCHAR AS raw_row FROM rejected_rows
     WHERE run_id = ? AND table_name = ? ORDER BY row_number, reason`,
    [RUN_ID, table],
  );
}

async function loadFailure(overrides: Partial<LoadSourcesInput> = {}): Promise<unknown> {
  return load(overrides).then(
    () => expect.fail('loadSources should have failed'),
    (error: unknown) => error,
  );
}

const CUSTOMERS = [
  'customer_id,signup_at,country,birth_year,email,loyalty_tier',
  'c1,2023-01-01T00:00:00Z,DE,1980,a@example.com,gold',
  'c2,2023-02-01,FR,,b@example.com,',
  'c3,2023-03-01T10:00:00+02:00,US,1990,,silver',
];

describe('loadSources', () => {
  it('loads CSV customers and orders, JSONL reviews and Parquet sessions with correct counts and types', async () => {
    write('customers.csv', CUSTOMERS);
    write('orders.csv', [
      'order_id,customer_id,ordered_at,category,quantity,unit_price,discount,status',
      'o1,c1,2024-01-01T10:00:00Z,shoes,2,10.5,1,completed',
      'o2, c2 ,2024-01-02T10:00:00Z,books,,5,,',
      'o3,c3,2024-01-03T10:00:00Z,shoes,1.0,20,0,Refunded',
    ]);
    jsonl('reviews.jsonl', [
      { review_id: 'r1', customer_id: 'c1', created_at: '2024-01-05T10:00:00Z', rating: 5, text: 'Great shoes', category: 'shoes' },
      { review_id: 'r2', customer_id: 'c2', created_at: '2024-01-06T10:00:00+01:00', rating: null, text: '  Ok  ', lang: 'en' },
    ]);
    await warehouse.withSession((s) =>
      s.run(
        `COPY (SELECT * FROM (VALUES
           ('s1', 'c1', TIMESTAMPTZ '2024-01-01 09:00:00+00', 120.5::DOUBLE, 3, 'shoes', true),
           ('s2', 'c2', TIMESTAMPTZ '2024-01-02 09:00:00+00', 30::DOUBLE, NULL, NULL, false)
         ) t(session_id, customer_id, started_at, duration_s, page_views, category, added_to_cart))
         TO '${join(source, 'sessions.parquet')}' (FORMAT parquet)`,
      ),
    );
    mkdirSync(join(source, '_truth'));
    write('_truth/personas.csv', ['anything,goes']);

    const summary = await load();

    expect(summary.tables).toEqual({
      customers: { file: 'customers.csv', read: 3, loaded: 3, rejected: 0, afterAsOf: 0 },
      orders: { file: 'orders.csv', read: 3, loaded: 3, rejected: 0, afterAsOf: 0 },
      sessions: { file: 'sessions.parquet', read: 2, loaded: 2, rejected: 0, afterAsOf: 0 },
      reviews: { file: 'reviews.jsonl', read: 2, loaded: 2, rejected: 0, afterAsOf: 0 },
    });

    const orders = await query(`SELECT * FROM ${SCHEMA}.orders ORDER BY order_id`);
    expect(orders).toEqual([
      expect.objectContaining({ order_id: 'o1', customer_id: 'c1', quantity: 2, unit_price: 10.5, discount: 1, status: 'completed' }),
      expect.objectContaining({ order_id: 'o2', customer_id: 'c2', quantity: 1, unit_price: 5, discount: 0, status: 'completed' }),
      expect.objectContaining({ order_id: 'o3', quantity: 1, unit_price: 20, status: 'refunded' }),
    ]);
    expect((orders[0]?.ordered_at as Date).toISOString()).toBe('2024-01-01T10:00:00.000Z');

    const customers = await query(`SELECT * FROM ${SCHEMA}.customers ORDER BY customer_id`);
    expect(customers.map((c) => [c.customer_id, c.birth_year, c.email, c.loyalty_tier])).toEqual([
      ['c1', 1980, 'a@example.com', 'gold'],
      ['c2', null, 'b@example.com', null],
      ['c3', 1990, null, 'silver'],
    ]);
    expect((customers[2]?.signup_at as Date).toISOString()).toBe('2023-03-01T08:00:00.000Z');

    const sessions = await query(`SELECT * FROM ${SCHEMA}.sessions ORDER BY session_id`);
    expect(sessions).toEqual([
      expect.objectContaining({ session_id: 's1', duration_s: 120.5, page_views: 3, category: 'shoes', added_to_cart: true }),
      expect.objectContaining({ session_id: 's2', duration_s: 30, page_views: null, category: null, added_to_cart: false }),
    ]);
    expect((sessions[0]?.started_at as Date).toISOString()).toBe('2024-01-01T09:00:00.000Z');

    const reviews = await query(`SELECT * FROM ${SCHEMA}.reviews ORDER BY review_id`);
    expect(reviews).toEqual([
      expect.objectContaining({ review_id: 'r1', rating: 5, text: 'Great shoes', category: 'shoes', lang: null }),
      expect.objectContaining({ review_id: 'r2', rating: null, text: '  Ok  ', category: null, lang: 'en' }),
    ]);
    expect((reviews[1]?.created_at as Date).toISOString()).toBe('2024-01-06T09:00:00.000Z');

    const types = await query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_catalog || '.' || table_schema = ? AND table_name = 'orders' ORDER BY ordinal_position`,
      [SCHEMA],
    );
    expect(types.map((t) => `${t.column_name} ${t.data_type}`)).toEqual([
      'order_id VARCHAR',
      'customer_id VARCHAR',
      'ordered_at TIMESTAMP WITH TIME ZONE',
      'category VARCHAR',
      'quantity INTEGER',
      'unit_price DOUBLE',
      'discount DOUBLE',
      'status VARCHAR',
    ]);
  });

  it('loads a typed Parquet file exactly as the same values written as text: rows, rejects, reasons and raw rows', async () => {
    // The loader takes Parquet's typed values as they are instead of parsing
    // their text (issue 12); this pins that it changes nothing a user sees.
    write('customers.csv', CUSTOMERS);
    const typed = join(dir, 'typed');
    mkdirSync(typed);
    await warehouse.withSession(async (s) => {
      await s.run(
        `COPY (SELECT * FROM (VALUES
           ('o1', 'c1', TIMESTAMPTZ '2024-01-01 10:00:00.25+00', 'shoes', 2, 10.5::DOUBLE, 1::DOUBLE, 'completed'),
           ('o2', 'c2', 'infinity'::TIMESTAMPTZ, 'books', 0, 'NaN'::DOUBLE, -1::DOUBLE, 'shipped'),
           ('o3', 'c9', TIMESTAMPTZ '2024-01-03 10:00:00+00', NULL, NULL, 'inf'::DOUBLE, NULL, NULL),
           ('o1', 'c3', NULL, 'shoes', 2147483647, 1e300::DOUBLE, 0.1::DOUBLE, 'Refunded'),
           (' o4 ', 'c3', TIMESTAMPTZ '2024-07-03 10:00:00+00', 'toys', -5, -3.5::DOUBLE, 0::DOUBLE, 'cancelled')
         ) t(order_id, customer_id, ordered_at, category, quantity, unit_price, discount, status))
         TO '${join(typed, 'orders.parquet')}' (FORMAT parquet)`,
      );
      await s.run(
        `COPY (SELECT * FROM (VALUES
           ('s1', 'c1', TIMESTAMP '2024-01-01 09:00:00', 120::BIGINT, 3.0::DOUBLE, true, 'x'),
           ('s2', 'c2', TIMESTAMP '2024-01-02 09:00:00', -1::BIGINT, 2.5::DOUBLE, NULL, NULL),
           ('s3', 'c2', TIMESTAMP '2024-01-02 09:00:00', NULL, -1::DOUBLE, false, 'y'),
           ('s4', 'c3', TIMESTAMP '2024-01-02 09:00:00', 5::BIGINT, 4e9::DOUBLE, true, 'z')
         ) t(session_id, customer_id, started_at, duration_s, page_views, added_to_cart, note))
         TO '${join(typed, 'sessions.parquet')}' (FORMAT parquet)`,
      );
    });
    const outcome = async () => ({
      rejects: [...(await rejects('orders')), ...(await rejects('sessions'))],
      orders: await query(`SELECT * FROM ${SCHEMA}.orders ORDER BY order_id`),
      sessions: await query(`SELECT * FROM ${SCHEMA}.sessions ORDER BY session_id`),
    });

    for (const name of ['orders', 'sessions']) {
      await warehouse.withSession((s) => s.run(`COPY (SELECT * FROM read_parquet('${join(typed, `${name}.parquet`)}')) TO '${join(source, `${name}.parquet`)}' (FORMAT parquet)`));
    }
    const fromTyped = await load();
    const typedOutcome = await outcome();

    // The same values as text, as DuckDB writes them in a UTC session.
    for (const name of ['orders', 'sessions']) {
      rmSync(join(source, `${name}.parquet`));
      await warehouse.withSession(async (s) => {
        await s.run(`SET TimeZone = 'UTC'`);
        await s.run(`COPY (SELECT COLUMNS(*)::VARCHAR FROM read_parquet('${join(typed, `${name}.parquet`)}')) TO '${join(source, `${name}.csv`)}' (HEADER)`);
      });
    }
    const fromText = await load();
    const textOutcome = await outcome();

    expect(typedOutcome.rejects.length).toBeGreaterThanOrEqual(6);
    expect(typedOutcome.orders.length).toBeGreaterThanOrEqual(1);
    expect(typedOutcome).toEqual(textOutcome);
    expect(Object.values(fromTyped.tables).map((t) => t && { ...t, file: undefined })).toEqual(
      Object.values(fromText.tables).map((t) => t && { ...t, file: undefined }),
    );
  });

  /** Customers, one order and 25,000 alike reviews (past DuckDB's detection sample of 20,480 rows), then `late`. */
  function reviewsPastSample(late: object[]): void {
    write('customers.csv', CUSTOMERS);
    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price', 'o1,c1,2024-01-01T10:00:00Z,1']);
    const rows: object[] = [];
    for (let i = 0; i < 25_000; i++) rows.push({ review_id: `r${i}`, customer_id: 'c1', created_at: '2024-01-05T10:00:00Z', text: 'Fine', mood: 'ok' });
    jsonl('reviews.jsonl', [...rows, ...late]);
  }

  async function stagedReviewColumns(): Promise<string[]> {
    const columns = await query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_catalog || '.' || table_schema = ? AND table_name = 'reviews' ORDER BY ordinal_position`,
      [SCHEMA],
    );
    return columns.map((c) => c.column_name);
  }

  it('keeps a JSONL key that first appears past DuckDB\'s detection sample, in first-seen order', async () => {
    // Keys are checked over the whole file (read-source.ts jsonKeys); DuckDB's
    // sampled detection only supplies their order when it saw them all.
    reviewsPastSample([{ review_id: 'late', customer_id: 'c2', created_at: '2024-01-05T10:00:00Z', text: 'Late', late_key: 'seen' }]);

    const summary = await load();

    expect(summary.tables.reviews).toMatchObject({ read: 25_001, loaded: 25_001, rejected: 0 });
    expect((await stagedReviewColumns()).slice(-2)).toEqual(['mood', 'late_key']);
    expect(await query(`SELECT late_key FROM ${SCHEMA}.reviews WHERE review_id = 'late'`)).toEqual([{ late_key: 'seen' }]);
  });

  it('reads JSONL lines whose keys come in another order, or lack one, under the sampled columns', async () => {
    reviewsPastSample([
      { mood: 'late', text: 'Reordered', created_at: '2024-01-05T10:00:00Z', customer_id: 'c2', review_id: 'reordered' },
      { review_id: 'short', customer_id: 'c2', created_at: '2024-01-05T10:00:00Z', text: 'No mood' },
    ]);

    const summary = await load();

    expect(summary.tables.reviews).toMatchObject({ read: 25_002, loaded: 25_002, rejected: 0 });
    expect((await stagedReviewColumns()).slice(-1)).toEqual(['mood']);
    expect(await query(`SELECT review_id, text, mood FROM ${SCHEMA}.reviews WHERE review_id IN ('reordered', 'short') ORDER BY review_id`)).toEqual([
      { review_id: 'reordered', text: 'Reordered', mood: 'late' },
      { review_id: 'short', text: 'No mood', mood: null },
    ]);
  });

  it('creates empty sessions and reviews tables when those optional tables are absent', async () => {
    write('customers.csv', CUSTOMERS);
    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price', 'o1,c1,2024-01-01T10:00:00Z,3']);

    const summary = await load();

    expect(summary.tables.sessions).toBeNull();
    expect(summary.tables.reviews).toBeNull();
    expect(await query(`SELECT count(*) AS n FROM ${SCHEMA}.sessions`)).toEqual([{ n: 0 }]);
    const reviewColumns = await query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_catalog || '.' || table_schema = ? AND table_name = 'reviews' ORDER BY ordinal_position`,
      [SCHEMA],
    );
    expect(reviewColumns.map((c) => c.column_name)).toEqual(['review_id', 'customer_id', 'created_at', 'rating', 'text', 'category']);
    const [order] = await query(`SELECT quantity, discount, status, category FROM ${SCHEMA}.orders`);
    expect(order).toEqual({ quantity: 1, discount: 0, status: 'completed', category: null });
  });

  it('reads a folder of parts, numbering rows per part and naming the part in reasons', async () => {
    write('customers.csv', CUSTOMERS);
    write('orders/part-1.csv', [
      'order_id,customer_id,ordered_at,unit_price',
      'o1,c1,2024-01-01T10:00:00Z,3',
      'o2,c2,2024-01-02T10:00:00Z,4',
    ]);
    write('orders/part-2.csv', [
      'Order_ID, Customer_Id ,ordered_at,unit_price,coupon',
      'o3,c3,2024-01-03T10:00:00Z,5,SPRING',
      'o1,c1,2024-01-04T10:00:00Z,6,',
    ]);
    write('orders/_SUCCESS', ['']);

    const summary = await load();

    expect(summary.tables.orders).toEqual({ file: 'orders/', read: 4, loaded: 3, rejected: 1, afterAsOf: 0 });
    expect(await query(`SELECT order_id, unit_price, coupon FROM ${SCHEMA}.orders ORDER BY order_id`)).toEqual([
      { order_id: 'o1', unit_price: 3, coupon: null },
      { order_id: 'o2', unit_price: 4, coupon: null },
      { order_id: 'o3', unit_price: 5, coupon: 'SPRING' },
    ]);
    const [reject] = await rejects('orders');
    expect(reject).toMatchObject({
      row_number: 2,
      row_key: 'o1',
      reason: 'duplicate order_id "o1" (first at orders/part-1.csv row 1) (file orders/part-2.csv)',
    });
  });

  it('fails with a SourceError naming the file and the missing required column', async () => {
    write('customers.csv', CUSTOMERS);
    write('orders.csv', ['order_id,customer_id,ordered_at,status', 'o1,c1,2024-01-01T10:00:00Z,completed']);

    const error = await loadFailure();

    expect(error).toBeInstanceOf(SourceError);
    const sourceError = error as SourceError;
    expect(sourceError.message).toBe(
      'orders.csv: missing required column "unit_price" (found: order_id, customer_id, ordered_at, status)',
    );
    expect(sourceError.details).toEqual({ table: 'orders', file: 'orders.csv', column: 'unit_price' });
    expect(sourceError.nonRetryable).toBe(true);
  });

  it('fails with a SourceError for a missing table, two sources of one table, a missing folder or an unreadable file', async () => {
    write('customers.csv', CUSTOMERS);
    const missing = await loadFailure();
    expect(missing).toBeInstanceOf(SourceError);
    expect((missing as Error).message).toContain('required table orders not found');
    expect((missing as Error).message).toContain('orders.csv, orders.parquet, orders.jsonl, orders.ndjson, orders/');

    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price']);
    write('orders/part-1.csv', ['order_id,customer_id,ordered_at,unit_price']);
    const twice = await loadFailure();
    expect(twice).toBeInstanceOf(SourceError);
    expect((twice as Error).message).toContain('orders.csv and orders/');

    rmSync(join(source, 'orders'), { recursive: true });
    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price', 'o1,c1,2024-01-01T00:00:00Z,1']);
    write('sessions.parquet', ['this is not parquet']);
    const unreadable = await loadFailure();
    expect(unreadable).toBeInstanceOf(SourceError);
    expect((unreadable as Error).message).toMatch(/^sessions\.parquet: DuckDB cannot read it: .*magic bytes/);

    const noFolder = await loadFailure({ sourceDir: join(dir, 'nowhere') });
    expect(noFolder).toBeInstanceOf(SourceError);
    expect((noFolder as Error).message).toContain('nowhere');
  });

  it('rejects rows that break the rules, with every broken rule in the reason', async () => {
    write('customers.csv', [...CUSTOMERS, 'c1,2023-05-01,DE,1970,dup@example.com,', ' ,2023-05-01,DE,,,']);
    write('orders.csv', [
      'order_id,customer_id,ordered_at,category,quantity,unit_price,discount,status',
      'o1,c1,2024-01-01T10:00:00Z,shoes,1,10,0,completed',
      'o2,c1,2024-01-02T10:00:00Z,shoes,1,-3,0,shipped',
      'o3,c9,2024-01-03T10:00:00Z,shoes,1,10,0,',
      'o1,c2,2024-01-04T10:00:00Z,shoes,1,10,0,',
      'o4,c2,yesterday,shoes,0,1e999,-1,',
      "o5,c2,2024-01-05T10:00:00Z,books,2.5,x'y,,",
    ]);
    jsonl('reviews.jsonl', [
      { review_id: 'r1', customer_id: 'c1', created_at: '2024-01-05T10:00:00Z', rating: 5, text: 'Fine' },
      { review_id: 'r2', customer_id: 'c1', created_at: '2024-01-05T10:00:00Z', rating: 9, text: '   ' },
      { review_id: 'r3', customer_id: 'c2', created_at: 'infinity', rating: 'good', text: 'Hm' },
    ]);
    write('sessions.csv', [
      'session_id,customer_id,started_at,duration_s,page_views,added_to_cart',
      's1,c1,2024-01-01T10:00:00Z,10,1,YES',
      's2,c1,2024-01-01T10:00:00Z,-1,-2,maybe',
    ]);

    const summary = await load();

    expect(summary.tables.customers).toMatchObject({ read: 5, loaded: 3, rejected: 2 });
    expect(summary.tables.orders).toMatchObject({ read: 6, loaded: 1, rejected: 5 });
    expect(await rejects('customers')).toEqual([
      expect.objectContaining({ row_number: 4, row_key: 'c1', reason: 'duplicate customer_id "c1" (first at row 1)' }),
      expect.objectContaining({ row_number: 5, row_key: null, reason: 'customer_id is empty' }),
    ]);
    const orderRejects = await rejects('orders');
    expect(orderRejects.map((r) => [r.row_number, r.row_key, r.reason])).toEqual([
      [2, 'o2', 'unit_price "-3" must be a number >= 0; status "shipped" is not one of completed, cancelled, refunded'],
      [3, 'o3', 'customer_id "c9" matches no valid row of customers'],
      [4, 'o1', 'duplicate order_id "o1" (first at row 1)'],
      [
        5,
        'o4',
        'ordered_at "yesterday" is not an ISO 8601 timestamp; quantity "0" must be an integer >= 1; ' +
          'unit_price "1e999" must be a number >= 0; discount "-1" must be a number >= 0',
      ],
      [6, 'o5', `quantity "2.5" must be an integer >= 1; unit_price "x'y" must be a number >= 0`],
    ]);
    expect(JSON.parse(orderRejects[0]?.raw_row ?? '{}')).toEqual({
      order_id: 'o2',
      customer_id: 'c1',
      ordered_at: '2024-01-02T10:00:00Z',
      category: 'shoes',
      quantity: '1',
      unit_price: '-3',
      discount: '0',
      status: 'shipped',
    });
    expect((await rejects('reviews')).map((r) => [r.row_number, r.row_key, r.reason])).toEqual([
      [2, 'r2', 'rating "9" must be an integer from 1 to 5; text is empty'],
      [3, 'r3', 'created_at "infinity" is not an ISO 8601 timestamp; rating "good" must be an integer from 1 to 5'],
    ]);
    expect((await rejects('sessions')).map((r) => r.reason)).toEqual([
      'duration_s "-1" must be a number >= 0; page_views "-2" must be an integer >= 0; ' +
        'added_to_cart "maybe" is not a boolean (true/false, 1/0, yes/no)',
    ]);
    expect(await query(`SELECT session_id, added_to_cart FROM ${SCHEMA}.sessions`)).toEqual([
      { session_id: 's1', added_to_cart: true },
    ]);
  });

  it('trims spaces, tabs, CRs and LFs at either end of a value, and nothing else', async () => {
    // The check only calls trim for a value that starts below '!' or ends in
    // one of those characters (load-sql.ts trimmedText); this pins the result.
    write('customers.csv', ['customer_id,country', 'c1,DE', 'c2,FR', 'c3,US', 'c4,IT']);
    jsonl('orders.jsonl', [
      { order_id: ' o1', customer_id: 'c1\t', ordered_at: '\t2024-01-01T10:00:00Z\r\n', unit_price: ' 3.50 ', status: '\nRefunded' },
      { order_id: 'o2\r', customer_id: '\r\nc2', ordered_at: '2024-01-02T10:00:00Z ', unit_price: '1', category: '\u0001toys\u0001' },
      { order_id: 'o3', customer_id: ' \t\r\n ', ordered_at: '2024-01-03T10:00:00Z', unit_price: '1', category: 'a b' },
      { order_id: 'o4', customer_id: 'c3', ordered_at: '2024-01-04T10:00:00Z', unit_price: '2', quantity: '\t', category: '!x ' },
      { order_id: 'o5', customer_id: 'c4', ordered_at: '2024-01-05T10:00:00Z', unit_price: '2', category: 'é\t' },
    ]);

    const summary = await load();

    expect(summary.tables.orders).toMatchObject({ read: 5, loaded: 4, rejected: 1 });
    expect((await rejects('orders')).map((r) => [r.row_number, r.row_key, r.reason, JSON.parse(r.raw_row).customer_id])).toEqual([
      [3, 'o3', 'customer_id is empty', ' \t\r\n '],
    ]);
    expect(
      await query(`SELECT order_id, customer_id, ordered_at::VARCHAR AS ordered_at, quantity, unit_price, category, status FROM ${SCHEMA}.orders`),
    ).toEqual([
      { order_id: 'o1', customer_id: 'c1', ordered_at: '2024-01-01 10:00:00+00', quantity: 1, unit_price: 3.5, category: null, status: 'refunded' },
      { order_id: 'o2', customer_id: 'c2', ordered_at: '2024-01-02 10:00:00+00', quantity: 1, unit_price: 1, category: '\u0001toys\u0001', status: 'completed' },
      { order_id: 'o4', customer_id: 'c3', ordered_at: '2024-01-04 10:00:00+00', quantity: 1, unit_price: 2, category: '!x', status: 'completed' },
      { order_id: 'o5', customer_id: 'c4', ordered_at: '2024-01-05 10:00:00+00', quantity: 1, unit_price: 2, category: 'é', status: 'completed' },
    ]);
  });

  it('accepts and refuses numbers and timestamps by their text as it always did (the fast paths before the regexes)', async () => {
    // Whole numbers printed as DuckDB prints them and `YYYY-MM-DDTHH:MM:SSZ`
    // skip the regexes (load-sql.ts parseExpression); every other spelling
    // still goes through them. Expected values are main's before that change.
    write('customers.csv', ['customer_id', 'c1']);
    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price', 'o1,c1,2024-01-01T00:00:00Z,1']);
    write('sessions.csv', [
      'session_id,customer_id,started_at,duration_s,page_views',
      's1,c1,2024-01-05T10:00:00Z,562,17',
      's2,c1,2024-01-05T10:00:00z,+12,007',
      's3,c1,2024-01-05 10:00:00,1e3,3.0',
      's4,c1,2024-01-05T10:00:00.5+02:00,-0,2147483647',
      's5,c1,2024-01-05,9223372036854775808,-2147483648',
      's6,c1,2024-1-05T10:00:00Z,1_000,0x10',
      's7,c1,+024-01-05T10:00:00Z,nan,1.5',
      's8,c1,2024-01-05T10:00:00Zx,0x10,+0',
    ]);

    await load();

    expect((await rejects('sessions')).map((r) => [r.row_key, r.reason])).toEqual([
      // The regex allows a lower-case z, DuckDB's cast does not.
      ['s2', 'started_at "2024-01-05T10:00:00z" is not an ISO 8601 timestamp'],
      ['s5', 'page_views "-2147483648" must be an integer >= 0'],
      ['s6', 'started_at "2024-1-05T10:00:00Z" is not an ISO 8601 timestamp; duration_s "1_000" must be a number >= 0; page_views "0x10" must be an integer >= 0'],
      ['s7', 'started_at "+024-01-05T10:00:00Z" is not an ISO 8601 timestamp; duration_s "nan" must be a number >= 0; page_views "1.5" must be an integer >= 0'],
      ['s8', 'started_at "2024-01-05T10:00:00Zx" is not an ISO 8601 timestamp; duration_s "0x10" must be a number >= 0'],
    ]);
    expect(
      await query(`SELECT session_id, started_at::VARCHAR AS started_at, duration_s, page_views FROM ${SCHEMA}.sessions ORDER BY session_id`),
    ).toEqual([
      { session_id: 's1', started_at: '2024-01-05 10:00:00+00', duration_s: 562, page_views: 17 },
      { session_id: 's3', started_at: '2024-01-05 10:00:00+00', duration_s: 1000, page_views: 3 },
      { session_id: 's4', started_at: '2024-01-05 08:00:00.5+00', duration_s: -0, page_views: 2147483647 },
    ]);
  });

  it('counts valid rows after the as-of time as afterAsOf and does not load them', async () => {
    write('customers.csv', [...CUSTOMERS, 'c4,2024-07-01T00:00:00Z,DE,,,']);
    write('orders.csv', [
      'order_id,customer_id,ordered_at,unit_price',
      'o1,c1,2024-05-31T23:59:59Z,1',
      'o2,c1,2024-06-01T00:00:00Z,1',
      'o3,c1,2024-06-01T00:00:01Z,1',
      'o4,c4,2024-05-01T00:00:00Z,1',
      'o5,c1,2024-07-01T00:00:00Z,-1',
    ]);

    const summary = await load();

    expect(summary.tables.customers).toEqual({ file: 'customers.csv', read: 4, loaded: 3, rejected: 0, afterAsOf: 1 });
    // o5 is after the as-of time but broken: a reject, not afterAsOf. o4's
    // customer signed up after as-of, but exists: the order is valid and staged.
    expect(summary.tables.orders).toEqual({ file: 'orders.csv', read: 5, loaded: 3, rejected: 1, afterAsOf: 1 });
    expect(await query(`SELECT order_id FROM ${SCHEMA}.orders ORDER BY order_id`)).toEqual([
      { order_id: 'o1' },
      { order_id: 'o2' },
      { order_id: 'o4' },
    ]);
    expect(await query(`SELECT customer_id FROM ${SCHEMA}.customers WHERE customer_id = 'c4'`)).toEqual([]);
  });

  it('fails with a RejectLimitError naming the table when its reject share is over the limit, keeping the rejects', async () => {
    write('customers.csv', CUSTOMERS);
    write('orders.csv', [
      'order_id,customer_id,ordered_at,unit_price,status',
      'o1,c1,2024-01-01T10:00:00Z,1,',
      'o2,c1,2024-01-01T10:00:00Z,-1,',
      'o3,c1,2024-01-01T10:00:00Z,-2,lost',
      'o4,c9,2024-01-01T10:00:00Z,1,',
    ]);

    const error = await loadFailure({ maxRejectShare: 0.05 });

    expect(error).toBeInstanceOf(RejectLimitError);
    const limitError = error as RejectLimitError;
    expect(limitError.details).toEqual({ table: 'orders', rejected: 3, total: 4, limit: 0.05 });
    expect(limitError.message).toContain('orders (orders.csv): 3 of 4 rows rejected (75.0%), over the limit of 5.0%');
    expect(limitError.message).toContain(
      'most common: unit_price must be a number >= 0 (2), customer_id matches no valid row of customers (1), status is not one of completed, cancelled, refunded (1)',
    );
    expect(await rejects('orders')).toHaveLength(3);
  });

  it('reads a timestamp without an offset as UTC, whatever the session time zone', async () => {
    write('customers.csv', ['customer_id,signup_at', 'c1,2023-01-01 08:30:00']);
    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price', 'o1,c1,2024-01-01T10:00:00,1']);

    const zone = await warehouse.withSession(async (s) => {
      await s.run(`SET TimeZone = 'America/New_York'`);
      await loadSources(s, { runId: RUN_ID, schema: SCHEMA, sourceDir: source, asOf: AS_OF, maxRejectShare: 0 });
      return (await s.one<{ zone: string }>(`SELECT current_setting('TimeZone') AS zone`))?.zone;
    });

    expect(zone).toBe('America/New_York');
    const [order] = await query<{ ordered_at: Date }>(`SELECT ordered_at FROM ${SCHEMA}.orders`);
    expect(order?.ordered_at.toISOString()).toBe('2024-01-01T10:00:00.000Z');
    const [customer] = await query<{ signup_at: Date }>(`SELECT signup_at FROM ${SCHEMA}.customers`);
    expect(customer?.signup_at.toISOString()).toBe('2023-01-01T08:30:00.000Z');
  });

  it('takes paths and column names with quotes as data, not SQL', async () => {
    const quoted = join(dir, "it's \"here\"");
    mkdirSync(quoted);
    writeFileSync(join(quoted, 'customers.csv'), `customer_id,"we""ird",o'k\nc1,1,2\n`);
    writeFileSync(
      join(quoted, 'orders.jsonl'),
      `${JSON.stringify({ order_id: 'o1', customer_id: 'c1', ordered_at: '2024-01-01T00:00:00Z', unit_price: 1, "x'); DROP TABLE runs; --": 'y' })}\n`,
    );

    const summary = await load({ sourceDir: quoted });

    expect(summary.tables.orders).toMatchObject({ read: 1, loaded: 1 });
    expect(await query(`SELECT "we""ird" AS a, "o'k" AS b FROM ${SCHEMA}.customers`)).toEqual([{ a: '1', b: '2' }]);
    expect(await query(`SELECT count(*) AS n FROM runs`)).toEqual([{ n: 0 }]);
  });

  it('does not duplicate rejected rows when the same run is loaded again', async () => {
    write('customers.csv', CUSTOMERS);
    write('orders.csv', [
      'order_id,customer_id,ordered_at,unit_price',
      'o1,c1,2024-01-01T10:00:00Z,1',
      'o2,c1,2024-01-01T10:00:00Z,-1',
    ]);
    await warehouse.withSession((s) =>
      s.run(`INSERT INTO rejected_rows VALUES ('other-run', 'orders', 1, 'x', '{}', 'kept')`),
    );

    const first = await load();
    const second = await load();

    expect(second).toEqual(first);
    expect(await rejects('orders')).toHaveLength(1);
    expect(await query(`SELECT count(*) AS n FROM rejected_rows WHERE run_id = 'other-run'`)).toEqual([{ n: 1 }]);
    expect(await query(`SELECT count(*) AS n FROM ${SCHEMA}.orders`)).toEqual([{ n: 1 }]);
  });

  it('keeps the staging of the last good load, and no half-written tables, when a later table fails', async () => {
    write('customers.csv', CUSTOMERS);
    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price', 'o1,c1,2024-01-01T10:00:00Z,1']);
    await load();

    // Customers and orders are checked and written out before sessions fails to read.
    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price', 'o1,c1,2024-01-01T10:00:00Z,1', 'o2,c1,2024-01-01T10:00:00Z,2']);
    write('sessions.parquet', ['this is not parquet']);
    expect(await loadFailure()).toBeInstanceOf(SourceError);

    expect(await query(`SELECT order_id FROM ${SCHEMA}.orders`)).toEqual([{ order_id: 'o1' }]);
    const tables = await query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_catalog || '.' || table_schema = ? ORDER BY table_name`,
      [SCHEMA],
    );
    expect(tables.map((t) => t.table_name)).toEqual(['customers', 'orders', 'rejected_rows_raw', 'reviews', 'sessions']);
  });
});
