import { openTestStore } from '../support/store.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentHash, extractReviews, type ExtractDeps } from '../../activities/llm/extract-reviews.ts';
import { OfflineExtractor } from '../../activities/llm/offline-extractor.ts';
import { OpenAIExtractor } from '../../activities/llm/openai-extractor.ts';
import { PROMPT_VERSION, type BatchResult, type ReviewFeatureExtractor, type ReviewInput } from '../../activities/llm/review-features.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';

/** Wraps an extractor, recording every batch it is handed; can fail chosen items or whole batches. */
class CountingExtractor implements ReviewFeatureExtractor {
  readonly calls: ReviewInput[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly inner: ReviewFeatureExtractor,
    private readonly behaviour: { failText?: string; throwText?: string } = {},
  ) {}
  get name() {
    return this.inner.name;
  }
  get model() {
    return this.inner.model;
  }
  async extractBatch(reviews: ReviewInput[]): Promise<BatchResult> {
    this.calls.push(reviews);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { throwText, failText } = this.behaviour;
      if (throwText && reviews.some((r) => r.text.includes(throwText))) throw new Error('endpoint down');
      const result = await this.inner.extractBatch(reviews);
      result.outcomes = result.outcomes.map((o) =>
        failText && reviews.find((r) => r.id === o.id)!.text.includes(failText)
          ? { id: o.id, ok: false, error: 'invalid field sentiment_score: too big (got 7) after 3 attempts' }
          : o,
      );
      return result;
    } finally {
      this.inFlight -= 1;
    }
  }
  get reviewsSeen(): ReviewInput[] {
    return this.calls.flat();
  }
}

const REVIEWS = [
  { id: 'r01', customer: 'cust-A', text: 'Great quality, will buy again! Email me at jane@example.com' },
  { id: 'r02', customer: 'cust-B', text: 'Terrible, broke after a day. Call 138 0013 8000' },
  { id: 'r03', customer: 'cust-C', text: '质量很好，物流很快，会回购' },
  { id: 'r04', customer: 'cust-D', text: 'great quality, will buy again! email me at [EMAIL]' },
  { id: 'r05', customer: 'cust-E', text: 'Customer service was rude. +1 (415) 555-0132' },
  { id: 'r06', customer: 'cust-F', text: 'Too expensive for what it is' },
  { id: 'r07', customer: 'cust-G', text: 'Fits well, true to size' },
];

let dir: string;
let warehouse: Warehouse;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'personaflow-extract-'));
  warehouse = await openTestStore(dir);
  await warehouse.withSession(ensureWarehouseSchema);
});
afterEach(() => {
  warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function createRun(runId: string, rows: Array<{ id: string; customer: string; text: string }>): Promise<string> {
  const schema = runSchema(runId);
  await warehouse.withSession(async (s) => {
    await s.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await s.run(
      `CREATE TABLE ${schema}.reviews (review_id VARCHAR, customer_id VARCHAR, created_at TIMESTAMPTZ, rating INTEGER, text VARCHAR, category VARCHAR)`,
    );
    for (let i = 0; i < rows.length; i += 500) {
      const part = rows.slice(i, i + 500);
      await s.run(
        `INSERT INTO ${schema}.reviews VALUES ${part.map(() => `(?, ?, TIMESTAMPTZ '2024-05-01 10:00:00+00', 4, ?, 'shoes')`).join(', ')}`,
        part.flatMap((row) => [row.id, row.customer, row.text]),
      );
    }
  });
  return schema;
}

type FeatureRow = {
  review_id: string;
  content_hash: string;
  status: string;
  error: string | null;
  sentiment_label: string | null;
  topics: string[] | null;
  run_id: string;
  extractor: string;
  model: string;
  prompt_version: string;
};
const featureRows = () =>
  warehouse.withSession((s) => s.all<FeatureRow>('SELECT * FROM review_features ORDER BY review_id'));

const deps = (extractor: ReviewFeatureExtractor, extra: Partial<ExtractDeps> = {}): ExtractDeps => ({
  warehouse,
  extractor,
  batchSize: 2,
  concurrency: 2,
  ...extra,
});

describe('extractReviews', () => {
  it('extracts, writes one row per review, redacts PII and never sends customer ids', async () => {
    const schema = await createRun('run-1', REVIEWS);
    const extractor = new CountingExtractor(new OfflineExtractor());
    const progress: Array<{ done: number; total: number }> = [];

    const summary = await extractReviews(deps(extractor, { onProgress: (p) => progress.push(p) }), { runId: 'run-1', schema });

    // r01 and r04 are the same text once redacted and normalised: extracted once.
    expect(summary).toEqual({
      reviews: 7,
      cacheHits: 0,
      extracted: 7,
      failed: 0,
      usage: { requests: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 },
    });
    expect(extractor.reviewsSeen).toHaveLength(6);
    expect(extractor.calls.every((batch) => batch.length <= 2)).toBe(true);
    expect(extractor.maxInFlight).toBeLessThanOrEqual(2);
    expect(progress.at(-1)).toEqual({ done: 7, total: 7 });

    const seen = JSON.stringify(extractor.calls);
    for (const secret of ['jane@example.com', '138 0013 8000', '555-0132', 'cust-']) expect(seen).not.toContain(secret);
    expect(seen).toContain('[EMAIL]');
    expect(seen).toContain('[PHONE]');
    expect(extractor.reviewsSeen.map((r) => r.id).every((id) => /^r0\d$/.test(id))).toBe(true);

    const rows = await featureRows();
    expect(rows.map((r) => r.review_id)).toEqual(REVIEWS.map((r) => r.id));
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'ok', error: null, extractor: 'offline', model: 'rules-v1', prompt_version: PROMPT_VERSION, run_id: 'run-1' });
    }
    expect(rows[0]!.content_hash).toBe(rows[3]!.content_hash);
    expect(rows[0]!.content_hash).toBe(contentHash('great quality, will buy again! email me at [EMAIL]', extractor));
    expect(rows[2]!.topics).toEqual(['quality', 'delivery']);
  });

  it('makes zero extractor calls when the same data runs again', async () => {
    const schema = await createRun('run-1', REVIEWS);
    await extractReviews(deps(new OfflineExtractor()), { runId: 'run-1', schema });
    const before = await featureRows();

    const extractor = new CountingExtractor(new OfflineExtractor());
    const summary = await extractReviews(deps(extractor), { runId: 'run-1', schema });

    expect(extractor.calls).toHaveLength(0);
    expect(summary).toMatchObject({ reviews: 7, cacheHits: 7, extracted: 0, failed: 0 });
    expect(await featureRows()).toEqual(before);
  });

  it('copies cached features to another review with the same content', async () => {
    const first = await createRun('run-1', REVIEWS);
    await extractReviews(deps(new OfflineExtractor()), { runId: 'run-1', schema: first });

    const second = await createRun('run-2', [
      { id: 'r99', customer: 'cust-Z', text: '  TERRIBLE,  broke after a day. Call +86 138-0013-8000 ' },
      { id: 'r98', customer: 'cust-Y', text: 'A brand new review, good' },
    ]);
    const extractor = new CountingExtractor(new OfflineExtractor());
    const summary = await extractReviews(deps(extractor), { runId: 'run-2', schema: second });

    expect(summary).toMatchObject({ reviews: 2, cacheHits: 1, extracted: 1, failed: 0 });
    expect(extractor.reviewsSeen.map((r) => r.id)).toEqual(['r98']);
    const rows = await featureRows();
    const copy = rows.find((r) => r.review_id === 'r99')!;
    const original = rows.find((r) => r.review_id === 'r02')!;
    expect(copy).toMatchObject({ status: 'ok', run_id: 'run-2', content_hash: original.content_hash, sentiment_label: 'negative' });
  });

  it('stores failed items with their error and retries only them next time', async () => {
    const rows = [...REVIEWS, { id: 'r08', customer: 'cust-H', text: 'FAILME please' }];
    const schema = await createRun('run-1', rows);
    const failing = new CountingExtractor(new OfflineExtractor(), { failText: 'FAILME' });
    const summary = await extractReviews(deps(failing), { runId: 'run-1', schema });

    expect(summary).toMatchObject({ reviews: 8, extracted: 7, failed: 1 });
    const failed = (await featureRows()).find((r) => r.review_id === 'r08')!;
    expect(failed).toMatchObject({ status: 'failed', error: 'invalid field sentiment_score: too big (got 7) after 3 attempts', sentiment_label: null, topics: null });

    const healthy = new CountingExtractor(new OfflineExtractor());
    const again = await extractReviews(deps(healthy), { runId: 'run-1', schema });
    expect(healthy.reviewsSeen.map((r) => r.id)).toEqual(['r08']);
    expect(again).toMatchObject({ cacheHits: 7, extracted: 1, failed: 0 });
    expect((await featureRows()).find((r) => r.review_id === 'r08')).toMatchObject({ status: 'ok', error: null });
  });

  it('keeps finished batches when the extractor throws, so a retry resumes', async () => {
    const rows = [...REVIEWS, { id: 'r08', customer: 'cust-H', text: 'BOOM goes the endpoint' }];
    const schema = await createRun('run-1', rows);
    const broken = new CountingExtractor(new OfflineExtractor(), { throwText: 'BOOM' });
    await expect(extractReviews(deps(broken, { concurrency: 1 }), { runId: 'run-1', schema })).rejects.toThrow('endpoint down');
    const written = (await featureRows()).length;
    expect(written).toBeGreaterThan(0);

    const healthy = new CountingExtractor(new OfflineExtractor());
    const summary = await extractReviews(deps(healthy), { runId: 'run-1', schema });
    expect(summary.reviews).toBe(8);
    expect(summary.cacheHits).toBe(written);
    expect(healthy.reviewsSeen.map((r) => r.id)).toContain('r08');
    expect((await featureRows()).every((r) => r.status === 'ok')).toBe(true);
  });

  it('stores a larger run through grouped writes, with progress up to the total', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => ({
      id: `r${String(i).padStart(5, '0')}`,
      customer: `cust-${i % 50}`,
      text: `Review ${i}: ${i % 3 ? 'good value, fast delivery' : '质量不好，不会再买'}`,
    }));
    const schema = await createRun('run-big', rows);
    const progress: number[] = [];
    const summary = await extractReviews(deps(new OfflineExtractor(), { batchSize: 5, concurrency: 4, onProgress: (p) => progress.push(p.done) }), {
      runId: 'run-big',
      schema,
    });
    expect(summary).toMatchObject({ reviews: 3_000, extracted: 3_000, failed: 0 });
    expect(progress.at(-1)).toBe(3_000);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    const count = await warehouse.withSession((s) => s.one<{ n: number }>(`SELECT count(*) AS n FROM review_features WHERE status = 'ok'`));
    expect(count?.n).toBe(3_000);
  });

  it('returns zeros when the run has no reviews table', async () => {
    const summary = await extractReviews(deps(new OfflineExtractor()), { runId: 'run-x', schema: runSchema('run-x') });
    expect(summary).toMatchObject({ reviews: 0, cacheHits: 0, extracted: 0, failed: 0 });
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(extractReviews(deps(new OfflineExtractor()), { runId: 'r', schema: 'x; DROP TABLE runs' })).rejects.toThrow(
      /unsafe run schema name "x; DROP TABLE runs"/,
    );
  });

  it('works end to end with the OpenAI extractor against the fake server', async () => {
    const server = await startFakeOpenAI({ retryAfterMs: 10 });
    try {
      const schema = await createRun('run-1', [
        ...REVIEWS,
        { id: 'r08', customer: 'cust-H', text: 'good but <<drop>>' },
      ]);
      const extractor = new OpenAIExtractor({
        provider: 'openai',
        model: 'fake-model',
        baseURL: server.baseURL,
        apiKey: 'sk-test-SECRET',
        batchSize: 4,
        concurrency: 2,
        maxAttempts: 2,
        timeoutMs: 5_000,
        structuredOutput: 'json_schema',
      });
      const summary = await extractReviews(deps(extractor, { batchSize: 4 }), { runId: 'run-1', schema });
      expect(summary).toMatchObject({ reviews: 8, cacheHits: 0, extracted: 7, failed: 1 });
      expect(summary.usage.requests).toBe(server.requests.length);
      expect(summary.usage.promptTokens).toBeGreaterThan(0);
      expect(JSON.stringify(server.requests.map((r) => r.body))).not.toMatch(/cust-|jane@example\.com/);
      const rows = await featureRows();
      expect(rows.find((r) => r.review_id === 'r08')).toMatchObject({ status: 'failed', error: 'item missing from reply after 2 attempts', extractor: 'openai' });

      const requestsBefore = server.requests.length;
      const again = await extractReviews(deps(extractor, { batchSize: 4 }), { runId: 'run-1', schema });
      expect(again).toMatchObject({ cacheHits: 7, failed: 1 });
      expect(server.requests.length - requestsBefore).toBe(2); // only r08, retried: two attempts
    } finally {
      await server.close();
    }
  });
});
