import { openTestStore } from '../support/store.ts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CascadeExtractor } from '../../activities/llm/cascade-extractor.ts';
import { createExtractor } from '../../activities/llm/create-extractor.ts';
import { EmbeddedExtractor } from '../../activities/llm/embedded/embedded-extractor.ts';
import { extractReviews } from '../../activities/llm/extract-reviews.ts';
import { OpenAIExtractor } from '../../activities/llm/openai-extractor.ts';
import type { ReviewInput } from '../../activities/llm/review-features.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { e5Paths } from '../../scripts/e5-model.mjs';
import { loadConfig, type LlmConfig } from '../../worker/config.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server.ts';

// The real encoder in front of our OpenAI-compatible test server (real HTTP on 127.0.0.1).
let server: FakeOpenAI;
let encoder: EmbeddedExtractor;
beforeAll(async () => {
  server = await startFakeOpenAI();
  const paths = e5Paths();
  encoder = new EmbeddedExtractor({ encoder: { library: paths.library, model: paths.model } });
});
afterAll(async () => {
  await encoder.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

function llmConfig(): LlmConfig {
  return { provider: 'openai', model: 'fake-model', baseURL: server.baseURL, apiKey: 'sk-test', batchSize: 10, concurrency: 2, maxAttempts: 2, timeoutMs: 5_000, structuredOutput: 'json_schema' };
}

const REVIEWS: ReviewInput[] = [
  'Absolutely love it, the best kettle I have ever owned.',
  'Terrible. It broke the first day and the seller never answered.',
  'It is a kettle.',
  'Arrived on Tuesday in a box.',
  '非常好用，很喜欢，会回购。',
  'Not sure yet, it seems ok I guess but the lid feels odd.',
].map((text, i) => ({ id: `r${i}`, text }));

/** Review ids the fake server was sent, from the user messages of its chat requests. */
function idsSent(): string[] {
  return server.requests
    .filter((r) => r.url === '/v1/chat/completions')
    .flatMap((r) => JSON.parse(r.body.messages.at(-1).content).map((item: { id: string }) => item.id));
}

describe('CascadeExtractor', () => {
  it('answers the reviews the encoder is sure of and sends only the rest to the LLM', async () => {
    const judged = await encoder.judge(REVIEWS);
    const confidences = judged.map((j) => j.confidence).sort((a, b) => a - b);
    // A threshold between the encoder's own confidences, so some go each way.
    const threshold = (confidences[2]! + confidences[3]!) / 2;
    const unsure = judged.filter((j) => j.confidence < threshold).map((j) => j.id);
    expect(unsure.length).toBeGreaterThan(0);
    expect(unsure.length).toBeLessThan(REVIEWS.length);

    const cascade = new CascadeExtractor(encoder, new OpenAIExtractor(llmConfig()), threshold);
    const result = await cascade.extractBatch(REVIEWS);
    expect(idsSent().sort()).toEqual([...unsure].sort());
    expect(result.outcomes.map((o) => o.id).sort()).toEqual(REVIEWS.map((r) => r.id).sort());
    expect(result.outcomes.every((o) => o.ok)).toBe(true);
    expect(result.usage).toMatchObject({ requests: 1, encoderReviews: REVIEWS.length - unsure.length, llmReviews: unsure.length, requestsSaved: 0 });
    expect(result.usage.promptTokens).toBeGreaterThan(0);
    // The encoder's answers are its own; the LLM's are the server's.
    const sure = judged.find((j) => j.confidence >= threshold)!;
    expect(result.outcomes.find((o) => o.id === sure.id)).toEqual({ id: sure.id, ok: true, features: sure.features });
  });

  it('makes no request for a batch the encoder answers whole, and sends everything at threshold 1', async () => {
    const none = await new CascadeExtractor(encoder, new OpenAIExtractor(llmConfig()), 0).extractBatch(REVIEWS);
    expect(server.requests).toHaveLength(0);
    expect(none.usage).toMatchObject({ requests: 0, encoderReviews: REVIEWS.length, llmReviews: 0, requestsSaved: 1 });

    const all = await new CascadeExtractor(encoder, new OpenAIExtractor(llmConfig()), 1).extractBatch(REVIEWS);
    expect(idsSent().sort()).toEqual(REVIEWS.map((r) => r.id).sort());
    expect(all.usage).toMatchObject({ encoderReviews: 0, llmReviews: REVIEWS.length });
  });

  it('is what provider openai builds when PERSONAFLOW_CASCADE_THRESHOLD is set, with its own cache key', () => {
    const env = { PERSONAFLOW_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: server.baseURL };
    const plain = createExtractor(loadConfig(env).llm);
    expect(plain).toBeInstanceOf(OpenAIExtractor);
    const cascade = createExtractor(loadConfig({ ...env, PERSONAFLOW_CASCADE_THRESHOLD: '0.8' }).llm);
    expect(cascade).toBeInstanceOf(CascadeExtractor);
    expect(cascade).toMatchObject({ name: 'cascade', model: 'multilingual-e5-small-q4+gpt-4o-mini', threshold: 0.8 });
    expect(cascade.promptVersion).toMatch(/\+heads-v\d+\+cascade-0\.8$/);
    expect(() => loadConfig({ PERSONAFLOW_CASCADE_THRESHOLD: '0.8' })).toThrow(/needs PERSONAFLOW_LLM_PROVIDER=openai/);
    expect(() => loadConfig({ ...env, PERSONAFLOW_CASCADE_THRESHOLD: '1.5' })).toThrow(/PERSONAFLOW_CASCADE_THRESHOLD/);
  });
});

describe('the cascade through the extraction stage', () => {
  let warehouse: Warehouse;
  beforeEach(async () => {
    warehouse = await openTestStore();
    await warehouse.withSession((s) => ensureWarehouseSchema(s));
  });
  afterEach(() => warehouse.close());

  it('redacts before the LLM sees a review and counts both parts', async () => {
    const schema = runSchema('cascade-1');
    const texts = [
      'Love it! Write to me at jane.doe@example.com or call +1 (415) 555-0132.',
      'Hmm, it is a thing. My card is 4111 1111 1111 1111.',
      'Worst purchase ever, it broke at once.',
    ];
    await warehouse.withSession(async (s) => {
      await s.run(`CREATE SCHEMA ${schema}`);
      await s.run(`CREATE TABLE ${schema}.reviews (review_id VARCHAR, customer_id VARCHAR, text VARCHAR)`);
      for (const [i, text] of texts.entries()) await s.run(`INSERT INTO ${schema}.reviews VALUES (?, ?, ?)`, [`rv${i}`, `c${i}`, text]);
    });
    const cascade = new CascadeExtractor(encoder, new OpenAIExtractor(llmConfig()), 1); // everything to the LLM
    const summary = await extractReviews({ warehouse, extractor: cascade, batchSize: 2, concurrency: 1 }, { runId: 'cascade-1', schema });
    expect(summary).toMatchObject({ reviews: 3, extracted: 3, failed: 0 });
    expect(summary.usage).toMatchObject({ requests: 2, encoderReviews: 0, llmReviews: 3, requestsSaved: 0 });
    const sent = JSON.stringify(server.requests.map((r) => r.body));
    for (const secret of ['jane.doe@example.com', '555-0132', '4111 1111 1111 1111']) expect(sent).not.toContain(secret);
    expect(sent).toContain('[EMAIL]');
    const rows = await warehouse.withSession((s) => s.all<{ extractor: string; model: string }>(`SELECT DISTINCT extractor, model FROM review_features`));
    expect(rows).toEqual([{ extractor: 'cascade', model: 'multilingual-e5-small-q4+fake-model' }]);
  });
});
