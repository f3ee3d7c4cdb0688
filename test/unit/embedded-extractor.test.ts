import { openTestStore } from '../support/store.ts';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedExtractor } from '../../activities/llm/embedded/embedded-extractor.ts';
import { HEADS_PATH, HeadsSchema, loadHeads } from '../../activities/llm/embedded/heads.ts';
import { extractReviews } from '../../activities/llm/extract-reviews.ts';
import { PROMPT_VERSION, type ReviewFeatures } from '../../activities/llm/review-features.ts';
import { ConfigError } from '../../activities/errors.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { e5Paths } from '../../scripts/e5-model.mjs';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// One real model for the file; examples written here, not taken from any corpus.
let extractor: EmbeddedExtractor;
beforeAll(() => {
  const paths = e5Paths();
  extractor = new EmbeddedExtractor({ encoder: { library: paths.library, model: paths.model } });
});
afterAll(async () => {
  await extractor.close();
});

async function features(...texts: string[]): Promise<ReviewFeatures[]> {
  const result = await extractor.extractBatch(texts.map((text, i) => ({ id: `r${i}`, text })));
  return result.outcomes.map((o) => {
    if (!o.ok) throw new Error(o.error);
    return o.features;
  });
}

describe('the shipped heads artifact', () => {
  it('is a small, valid, versioned file', () => {
    const path = fileURLToPath(HEADS_PATH);
    expect(statSync(path).size).toBeLessThan(300_000); // heads-v2: the Chinese head has a 64-unit hidden layer (~25k weights)
    expect(HeadsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8'))).success).toBe(true);
    const heads = loadHeads();
    expect(heads.version).toMatch(/^heads-v\d+$/);
    expect(extractor.promptVersion).toBe(`${PROMPT_VERSION}+${heads.version}`);
  });

  it('refuses a broken artifact with the reason', () => {
    expect(() => loadHeads(new URL('./no-such-heads.json', HEADS_PATH))).toThrow(ConfigError);
    expect(() => loadHeads(new URL(import.meta.url))).toThrow(/cannot read the review heads/);
  });
});

describe('EmbeddedExtractor', () => {
  it('tells clearly positive from clearly negative reviews, English and Chinese, lexicon words or not', async () => {
    const positive = [
      'Absolutely love this blender, it crushes ice in seconds.',
      'Exceeded my expectations, I use it every single day.',
      'My daughter adores it and it still looks brand new.',
      '非常满意，用起来很顺手，下次还来。',
      '东西很好，和描述的一样，物超所值。',
    ];
    const negative = [
      'This thing stinks, total waste of my money.',
      'Stopped charging after three days and the seller ignored me.',
      'Cheap plastic junk that cracked the first time I dropped it.',
      '太差劲了，用了一次就坏了，再也不买了。',
      '质量极差，根本没法用，退货还很麻烦。',
    ];
    const pos = await features(...positive);
    const neg = await features(...negative);
    pos.forEach((f, i) => expect(f.sentiment_label, positive[i]).toBe('positive'));
    neg.forEach((f, i) => expect(f.sentiment_label, negative[i]).toBe('negative'));
    for (const f of pos) expect(f.sentiment_score).toBeGreaterThan(0);
    for (const f of neg) expect(f.sentiment_score).toBeLessThan(0);
  });

  it('fills every field the schema asks for, with the rules as cues', async () => {
    const [f] = await features('The price is far too high and it broke after a week. I will never buy this again.');
    expect(f!.sentiment_label).toBe('negative');
    expect(f!.topics).toEqual(expect.arrayContaining(['price', 'durability']));
    expect(f!.price_sensitive).toBe(true);
    expect(f!.quality_complaint).toBe(true);
    expect(f!.purchase_intent).toBe('none');
    expect(f!.intent_cue).toMatch(/never buy/);
    expect(f!.language).toBe('en');
    const [zh] = await features('快递很快，包装也很好，会回购的。');
    expect(zh!.language).toBe('zh');
    expect(zh!.purchase_intent).toBe('high');
    expect(zh!.topics).toEqual(expect.arrayContaining(['delivery', 'packaging']));
  });

  it('answers an empty batch without loading anything', async () => {
    const fresh = new EmbeddedExtractor({ encoder: { library: '/nonexistent.so', model: '/nonexistent.bin' } });
    expect(await fresh.extractBatch([])).toEqual({ outcomes: [], usage: { requests: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 } });
  });
});

describe('EmbeddedExtractor through the extraction stage', () => {
  let warehouse: Warehouse;
  beforeEach(async () => {
    warehouse = await openTestStore();
    await warehouse.withSession((s) => ensureWarehouseSchema(s));
  });
  afterEach(() => warehouse.close());

  async function stage(runId: string, texts: string[]): Promise<string> {
    const schema = runSchema(runId);
    await warehouse.withSession(async (s) => {
      await s.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await s.run(`CREATE TABLE ${schema}.reviews (review_id VARCHAR, customer_id VARCHAR, text VARCHAR)`);
      for (const [i, text] of texts.entries()) await s.run(`INSERT INTO ${schema}.reviews VALUES (?, ?, ?)`, [`rv${i}`, `c${i}`, text]);
    });
    return schema;
  }

  it('records its name, model and heads version, and the second run comes from the cache', async () => {
    const texts = ['Love it, works perfectly.', 'Broke on day two. Email me at ann@example.com', 'love it, works perfectly.', '物流很慢，客服也不理人。'];
    const deps = { warehouse, extractor, batchSize: 2, concurrency: 2 };
    const first = await extractReviews(deps, { runId: 'run-1', schema: await stage('run-1', texts) });
    expect(first).toMatchObject({ reviews: 4, cacheHits: 0, extracted: 4, failed: 0 });
    const rows = await warehouse.withSession((s) =>
      s.all<{ review_id: string; extractor: string; model: string; prompt_version: string; status: string; sentiment_label: string }>(
        `SELECT review_id, extractor, model, prompt_version, status, sentiment_label FROM review_features WHERE run_id = 'run-1' ORDER BY review_id`,
      ),
    );
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toMatchObject({ extractor: 'embedded', model: 'multilingual-e5-small-q4', prompt_version: extractor.promptVersion, status: 'ok' });
    }
    expect(rows.map((r) => r.sentiment_label)).toEqual(['positive', 'negative', 'positive', 'negative']);

    const second = await extractReviews(deps, { runId: 'run-2', schema: await stage('run-2', texts) });
    expect(second).toMatchObject({ reviews: 4, cacheHits: 4, extracted: 0 });
  });
});
