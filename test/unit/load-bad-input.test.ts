// The bad-input rules of docs/data-contract.md (section Bad input) that issue
// 10 found broken: empty tables, one huge line, a latin-1 file, guest orders.
import { openTestStore } from '../support/store.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SourceError } from '../../activities/errors.ts';
import { loadSources, type LoadSummary } from '../../activities/warehouse/load-sources.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';

const RUN_ID = 'run-bad-input';
const SCHEMA = runSchema(RUN_ID);

let dir: string;
let source: string;
let warehouse: Warehouse;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'personaflow-bad-input-'));
  source = join(dir, 'source');
  mkdirSync(source);
  warehouse = await openTestStore(dir);
  await warehouse.withSession(ensureWarehouseSchema);
  write('customers.csv', ['customer_id,signup_at', 'c1,2024-03-01T00:00:00Z', 'c2,2023-01-01']);
  write('orders.csv', ['order_id,customer_id,ordered_at,unit_price', 'o1,c1,2024-04-01,10', 'o2,c2,2024-04-02,5']);
});
afterEach(() => {
  warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, lines: string[], encoding: BufferEncoding = 'utf8'): void {
  writeFileSync(join(source, name), Buffer.from(lines.length ? `${lines.join('\n')}\n` : '', encoding));
}

function load(): Promise<LoadSummary> {
  return warehouse.withSession((s) =>
    loadSources(s, { runId: RUN_ID, schema: SCHEMA, sourceDir: source, asOf: new Date('2024-06-01T00:00:00Z'), maxRejectShare: 1 }),
  );
}

async function failure(): Promise<SourceError> {
  const error = await load().then(() => expect.fail('loadSources should have failed'), (e: unknown) => e);
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

const rejects = (table: string) =>
  warehouse.withSession((s) =>
    s.all<{ row_number: number; row_key: string | null; reason: string }>(
      `SELECT row_number, row_key, reason FROM rejected_rows WHERE run_id = ? AND table_name = ? ORDER BY row_number`,
      [RUN_ID, table],
    ),
  );

const REVIEW_HEADER = 'review_id,customer_id,created_at,rating,text';

describe('loadSources on bad input', () => {
  it('fails a run whose required table has only a header, naming the file', async () => {
    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price']);
    const error = await failure();
    expect(error.message).toBe(
      'orders.csv: required table orders has no rows (only a header, or an empty file); a version built from it would show no orders for every customer',
    );
    expect(error.details).toEqual({ table: 'orders', file: 'orders.csv' });
  });

  it('fails a run whose required table is an empty file', async () => {
    write('customers.csv', []);
    expect((await failure()).message).toMatch(/^customers\.csv: required table customers has no rows/);
  });

  it('treats an empty or header-only optional table as absent', async () => {
    write('reviews.csv', []);
    write('sessions.csv', ['session_id,customer_id,started_at,duration_s']);
    const summary = await load();
    expect(summary.tables.reviews).toBeNull();
    expect(summary.tables.sessions).toBeNull();
    expect(summary.tables.orders).toMatchObject({ loaded: 2 });
  });

  it('rejects one 50 MB CSV line with DuckDB\'s reason and loads the rest, row numbers intact', async () => {
    write('reviews.csv', [
      REVIEW_HEADER,
      'r1,c1,2024-05-01,5,fine',
      `r2,c1,2024-05-01,4,${'x'.repeat(50 * 1024 * 1024)}`,
      'r3,c2,2024-05-01,9,rating out of range',
      'r4,c2,2024-05-01,3,"quoted, with a comma"',
    ]);
    const summary = await load();
    expect(summary.tables.reviews).toMatchObject({ read: 4, loaded: 2, rejected: 2 });
    expect(await rejects('reviews')).toEqual([
      { row_number: 2, row_key: null, reason: expect.stringMatching(/^Maximum line size of 2000000 bytes exceeded\. Actual Size:\d+ bytes\.$/) },
      { row_number: 3, row_key: 'r3', reason: 'rating "9" must be an integer from 1 to 5' },
    ]);
    const loaded = await warehouse.withSession((s) => s.all<{ review_id: string; text: string }>(`SELECT review_id, text FROM ${SCHEMA}.reviews`));
    expect(loaded).toEqual([
      { review_id: 'r1', text: 'fine' },
      { review_id: 'r4', text: 'quoted, with a comma' },
    ]);
  });

  it('rejects one 50 MB JSONL line with DuckDB\'s reason and loads the rest', async () => {
    const line = (o: object) => JSON.stringify(o);
    write('reviews.jsonl', [
      line({ review_id: 'r1', customer_id: 'c1', created_at: '2024-05-01', rating: 5, text: 'fine' }),
      line({ review_id: 'r2', customer_id: 'c1', created_at: '2024-05-01', text: 'y'.repeat(50 * 1024 * 1024) }),
      '{"review_id": "r3", "customer_id": "c2", "created_at": "2024-05-01", "text": "cut',
      line({ review_id: 'r4', customer_id: 'c2', created_at: '2024-05-01', rating: 2, text: 'meh', note: { nested: true } }),
    ]);
    const summary = await load();
    expect(summary.tables.reviews).toMatchObject({ read: 4, loaded: 2, rejected: 2 });
    expect(await rejects('reviews')).toEqual([
      { row_number: 2, row_key: null, reason: expect.stringMatching(/^Maximum line size of 16777216 bytes exceeded\./) },
      { row_number: 3, row_key: null, reason: 'Malformed JSON: the line is not a JSON object' },
    ]);
    const loaded = await warehouse.withSession((s) =>
      s.all<{ review_id: string; rating: number | null; note: string }>(`SELECT review_id, rating, note FROM ${SCHEMA}.reviews ORDER BY review_id`),
    );
    expect(loaded).toEqual([
      { review_id: 'r1', rating: 5, note: null },
      { review_id: 'r4', rating: 2, note: '{"nested":true}' },
    ]);
  });

  it('rejects a review text over 1 MB that DuckDB can still read', async () => {
    write('reviews.csv', [REVIEW_HEADER, `r1,c1,2024-05-01,5,${'z'.repeat(1_500_000)}`, 'r2,c1,2024-05-01,5,ok']);
    await load();
    expect(await rejects('reviews')).toEqual([{ row_number: 1, row_key: 'r1', reason: 'text is over 1 MB (1500000 bytes)' }]);
  });

  it('keeps DuckDB\'s "not utf-8" reason for a latin-1 CSV and names the file', async () => {
    write('customers.csv', ['customer_id,country', 'c1,Köln', 'c2,Zürich'], 'latin1');
    const error = await failure();
    expect(error.message).toMatch(/^customers\.csv: DuckDB cannot read it: .*This file is not utf-8 encoded\.$/);
    expect(error.message).not.toContain('Possible Solution');
  });

  it('fails a latin-1 CSV as a whole even when it also has a line too long for DuckDB', async () => {
    writeFileSync(
      join(source, 'reviews.csv'),
      Buffer.concat([
        Buffer.from(`${REVIEW_HEADER}\nr1,c1,2024-05-01,5,${'x'.repeat(3_000_000)}\n`),
        Buffer.from('r2,c1,2024-05-01,5,schön\n', 'latin1'),
      ]),
    );
    expect((await failure()).message).toMatch(/^reviews\.csv: DuckDB cannot read it: .*not utf-8 encoded\.$/);
  });

  it('keeps DuckDB\'s UTF-8 reason for a latin-1 JSONL file', async () => {
    write('reviews.jsonl', [JSON.stringify({ review_id: 'r1', customer_id: 'c1', created_at: '2024-05-01', text: 'schön' })], 'latin1');
    expect((await failure()).message).toMatch(/^reviews\.jsonl: DuckDB cannot read it: .*invalid UTF-8/);
  });

  it('keeps orders dated before the customer signed up (guest checkouts)', async () => {
    write('orders.csv', ['order_id,customer_id,ordered_at,unit_price', 'o1,c1,2024-01-15,10']);
    const summary = await load();
    expect(summary.tables.orders).toMatchObject({ read: 1, loaded: 1, rejected: 0 });
  });
});
