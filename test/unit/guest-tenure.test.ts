// Orders dated before the customer's signup are kept (guest checkouts), and
// tenure starts at the earlier of the two (data contract, Bad input).
import { openTestStore } from '../support/store.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMPT_VERSION } from '../../activities/llm/review-features.ts';
import { buildFeaturesSql } from '../../activities/warehouse/features-sql.ts';
import { loadSources } from '../../activities/warehouse/load-sources.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';

const AS_OF = '2026-11-01T00:00:00Z';
const SCHEMA = runSchema('guest-tenure');
let dir: string;
let warehouse: Warehouse;
let rows: Array<{ customer_id: string; tenure_days: number; frequency: number }>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'personaflow-tenure-'));
  // g signed up on 1 Oct but ordered as a guest on 1 Sep; s ordered after signing up on 1 Oct.
  writeFileSync(join(dir, 'customers.csv'), 'customer_id,signup_at\ng,2026-10-01T00:00:00Z\ns,2026-10-01T00:00:00Z\n');
  writeFileSync(
    join(dir, 'orders.csv'),
    'order_id,customer_id,ordered_at,unit_price\no1,g,2026-09-01T00:00:00Z,10\no2,g,2026-10-15T00:00:00Z,10\no3,s,2026-10-15T00:00:00Z,10\n',
  );
  warehouse = await openTestStore();
  rows = await warehouse.withSession(async (s) => {
    await ensureWarehouseSchema(s);
    await loadSources(s, { runId: 'guest-tenure', schema: SCHEMA, sourceDir: dir, asOf: new Date(AS_OF), maxRejectShare: 0 });
    await s.run(buildFeaturesSql(SCHEMA), { as_of: AS_OF, extractor: 'offline', model: 'rules-v1', prompt_version: PROMPT_VERSION });
    return s.all(`SELECT customer_id, tenure_days, frequency FROM ${SCHEMA}.features ORDER BY customer_id`);
  });
});
afterAll(() => {
  warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('guest checkouts', () => {
  it('keeps the order before signup and starts tenure at it', () => {
    expect(rows.map((r) => [r.customer_id, Math.round(r.tenure_days), Number(r.frequency)])).toEqual([
      ['g', 61, 2], // from 1 Sep, not 1 Oct (31 days)
      ['s', 31, 1],
    ]);
  });
});
