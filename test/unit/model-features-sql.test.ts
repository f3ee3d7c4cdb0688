// The features SQL's issue-4/8 columns on a hand-made source folder: RFM
// scores with ties, the BG/NBD repeat summary, category shares, complaint shares and their missing-value rules.
import { openTestStore } from '../support/store.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { loadSources } from '../../activities/warehouse/load-sources.ts';
import { buildFeaturesSql } from '../../activities/warehouse/features-sql.ts';
import { PROMPT_VERSION } from '../../activities/llm/review-features.ts';

const AS_OF = '2026-11-01T00:00:00Z';
const RUN = 'features-sql-test';
const SCHEMA = runSchema(RUN);

let dir: string;
let warehouse: Warehouse;
let rows: Array<Record<string, unknown>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'personaflow-features-'));
  const customers = ['customer_id,signup_at', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `c${i},2025-01-01T00:00:00Z`)];
  writeFileSync(join(dir, 'customers.csv'), `${customers.join('\n')}\n`);
  // Customer ci places i completed orders of 10*i each, the last one i days before the
  // as-of time nearest for c5 (so c5 is the most recent, frequent and valuable); c6 never orders.
  const orders = ['order_id,customer_id,ordered_at,category,quantity,unit_price,discount,status'];
  let n = 0;
  for (let i = 1; i <= 5; i++) {
    for (let j = 0; j < i; j++) {
      const day = String(20 + i).padStart(2, '0');
      const category = i === 5 ? (j < 3 ? 'books' : 'toys') : 'home';
      orders.push(`o${++n},c${i},2026-10-${day}T0${j}:00:00Z,${category},1,${10 * i},0,completed`);
    }
  }
  // c7 and c8 copy c1 exactly (ties); c9 buys on three days (two orders on the first).
  orders.push('o91,c7,2026-10-21T00:00:00Z,home,1,10,0,completed', 'o92,c8,2026-10-21T00:00:00Z,home,1,10,0,completed');
  orders.push(
    'o93,c9,2026-09-01T08:00:00Z,home,1,10,0,completed',
    'o94,c9,2026-09-01T20:00:00Z,home,1,5,0,completed',
    'o95,c9,2026-10-01T10:00:00Z,home,1,20,0,completed',
    'o96,c9,2026-10-11T23:00:00Z,home,2,20,10,completed',
    'o97,c9,2026-10-20T10:00:00Z,home,1,99,0,refunded',
  );
  writeFileSync(join(dir, 'orders.csv'), `${orders.join('\n')}\n`);
  writeFileSync(
    join(dir, 'reviews.csv'),
    'review_id,customer_id,created_at,rating,text\nr1,c1,2026-10-22T00:00:00Z,1,broke after a day\nr2,c1,2026-10-22T00:00:00Z,4,fine\n',
  );
  warehouse = await openTestStore();
  rows = await warehouse.withSession(async (s) => {
    await ensureWarehouseSchema(s);
    await loadSources(s, { runId: RUN, schema: SCHEMA, sourceDir: dir, asOf: new Date(AS_OF), maxRejectShare: 0.05 });
    for (const [id, quality, price] of [
      ['r1', true, true],
      ['r2', false, false],
    ] as const) {
      await s.run(
        `INSERT INTO review_features (review_id, content_hash, extractor, model, prompt_version, status, sentiment_label,
           sentiment_score, purchase_intent, topics, keywords, price_sensitive, quality_complaint, service_complaint,
           language, run_id, extracted_at)
         VALUES ($id, $id, 'offline', 'rules-v1', $pv, 'ok', 'neutral', 0, 'none', ['quality'], [], $price, $quality, false,
           'en', $run, now())`,
        { id, pv: PROMPT_VERSION, price, quality, run: RUN },
      );
    }
    await s.run(buildFeaturesSql(SCHEMA), { as_of: AS_OF, extractor: 'offline', model: 'rules-v1', prompt_version: PROMPT_VERSION });
    return s.all(`SELECT * FROM ${SCHEMA}.features ORDER BY customer_id`);
  });
});

afterAll(() => {
  warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('features SQL', () => {
  it('scores recency, frequency and monetary 1..5 by quintile cut points among buyers, 0 for never-ordered customers', () => {
    const scores = (id: string) => {
      const r = rows.find((row) => row.customer_id === id)!;
      return [r.r_score, r.f_score, r.m_score] as number[];
    };
    // Buyers' frequencies [1,1,1,2,3,4,5,4 (c9)]: the three one-order customers tie and share every score.
    expect(scores('c7')).toEqual(scores('c1'));
    expect(scores('c8')).toEqual(scores('c1'));
    expect(scores('c1')).toEqual([1, 1, 1]);
    expect(scores('c5')).toEqual([5, 5, 5]);
    expect(scores('c6')).toEqual([0, 0, 0]);
    for (let i = 1; i < 5; i++) {
      const [a, b] = [scores(`c${i}`), scores(`c${i + 1}`)];
      a.forEach((score, j) => expect(b[j]).toBeGreaterThanOrEqual(score));
      expect(b.some((score, j) => score > a[j]!)).toBe(true);
    }
  });

  it('summarises repeat purchases by order day for BG/NBD, NULL for never-ordered customers', () => {
    const pick = (id: string) => {
      const r = rows.find((row) => row.customer_id === id)!;
      return [r.repeat_purchases, r.repeat_span_days, r.customer_age_days, r.order_day_spend_mean];
    };
    // Days 09-01 (10 + 5), 10-01 (20), 10-11 (2 x 20 - 10); the refunded order does not count.
    // Mean spend per order day, the first day included: (15 + 20 + 30) / 3.
    expect(pick('c9')).toEqual([2, 40, 61, 65 / 3]);
    // Five orders on one day are one purchase day: no repeat, and one day's spend of 5 x 50.
    expect(pick('c5')).toEqual([0, 0, 7, 250]);
    expect(pick('c6')).toEqual([null, null, null, null]);
  });

  it('gives top categories with their shares of completed orders', () => {
    const c5 = rows.find((r) => r.customer_id === 'c5')!;
    expect(c5.top_categories).toEqual(['books', 'toys']);
    expect(c5.top_category_shares).toEqual([0.6, 0.4]);
    expect(rows.find((r) => r.customer_id === 'c6')!.top_category_shares).toEqual([]);
  });

  it('averages complaint and price flags over reviews, NULL without reviews', () => {
    const c1 = rows.find((r) => r.customer_id === 'c1')!;
    expect([c1.quality_complaint_share, c1.service_complaint_share, c1.price_mention_share]).toEqual([0.5, 0, 0.5]);
    const c2 = rows.find((r) => r.customer_id === 'c2')!;
    expect([c2.quality_complaint_share, c2.service_complaint_share, c2.price_mention_share]).toEqual([null, null, null]);
  });
});
