import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, LlmEndpointError } from '../../activities/errors.ts';
import { createExtractor } from '../../activities/llm/create-extractor.ts';
import { OfflineExtractor } from '../../activities/llm/offline-extractor.ts';
import { OpenAIExtractor } from '../../activities/llm/openai-extractor.ts';
import { SYSTEM_PROMPT } from '../../activities/llm/prompt.ts';
import { ReviewFeaturesSchema, type ExtractionOutcome, type ReviewInput } from '../../activities/llm/review-features.ts';
import type { LlmConfig } from '../../worker/config.ts';
import { fakeFeatures, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server.ts';

const API_KEY = 'sk-test-SECRET';

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI({ retryAfterMs: 20 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.setScript({ fail: { count: 0, status: 500 }, latencyMs: 0 });
});

function config(overrides: Partial<LlmConfig> = {}): LlmConfig {
  return {
    provider: 'openai',
    model: 'fake-model',
    baseURL: server.baseURL,
    apiKey: API_KEY,
    batchSize: 10,
    concurrency: 2,
    maxAttempts: 3,
    timeoutMs: 5_000,
    structuredOutput: 'json_schema',
    ...overrides,
  };
}

const reviews = (...texts: string[]): ReviewInput[] => texts.map((text, i) => ({ id: `rev-${i}`, text }));
const byId = (outcomes: ExtractionOutcome[]) => new Map(outcomes.map((o) => [o.id, o]));
/** The review ids a request carried, read back from its user message. */
const idsSent = (i: number): string[] =>
  JSON.parse(server.requests[i]!.body.messages[1].content).map((r: { id: string }) => r.id);

describe('OpenAIExtractor', () => {
  it('extracts a normal batch: every item ok, matched by id, usage counted', async () => {
    const extractor = new OpenAIExtractor(config());
    expect([extractor.name, extractor.model]).toEqual(['openai', 'fake-model']);
    const input = reviews('Great quality, love it', 'Terrible, it broke', '质量很好，会回购', 'It arrived on Monday');

    const result = await extractor.extractBatch(input);

    expect(result.outcomes.map((o) => o.id)).toEqual(input.map((r) => r.id));
    for (const review of input) {
      const outcome = byId(result.outcomes).get(review.id)!;
      expect(outcome).toEqual({ id: review.id, ok: true, features: fakeFeatures(review.text) });
      if (outcome.ok) ReviewFeaturesSchema.parse(outcome.features);
    }
    expect(result.usage.requests).toBe(1);
    expect(result.usage.promptTokens).toBeGreaterThan(SYSTEM_PROMPT.length / 4);
    expect(result.usage.completionTokens).toBeGreaterThan(0);

    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.body.model).toBe('fake-model');
    expect(request.body.messages[0]).toEqual({ role: 'system', content: SYSTEM_PROMPT });
    expect(JSON.parse(request.body.messages[1].content)).toEqual(input);
    expect(request.body.response_format.type).toBe('json_schema');
    expect(request.body.response_format.json_schema.strict).toBe(true);
    expect(request.body.response_format.json_schema.schema.properties.results.items.required).toContain('id');

    // The fake caches the repeated system prompt, as OpenAI does; usage reports it.
    const again = await extractor.extractBatch(input.slice(0, 1));
    expect(again.usage.cachedPromptTokens).toBeGreaterThan(0);
  });

  it('sends json_object when asked and still validates the reply', async () => {
    const result = await new OpenAIExtractor(config({ structuredOutput: 'json_object' })).extractBatch(reviews('good', 'bad'));
    expect(server.requests[0]!.body.response_format).toEqual({ type: 'json_object' });
    expect(result.outcomes.every((o) => o.ok)).toBe(true);
  });

  it('retries a 429 itself (honouring retry-after-ms), not through the client, and succeeds', async () => {
    server.setScript({ fail: { count: 1, status: 429 } });
    const result = await new OpenAIExtractor(config()).extractBatch(reviews('great', 'bad'));
    expect(result.outcomes.every((o) => o.ok)).toBe(true);
    expect(server.requests).toHaveLength(2);
    // The client's own retries are off: one retry decision point.
    expect(server.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '0']);
    // Usage counts completed requests; the rejected one carried no usage.
    expect(result.usage.requests).toBe(1);
  });

  it('fails non-retryable once the retry budget is spent on an endpoint that keeps failing', async () => {
    server.setScript({ fail: { count: 1_000, status: 500 } });
    const extractor = new OpenAIExtractor(config({ retryBudgetMs: 400 }), { backoff: { initialMs: 50, maxMs: 100 } });
    const error = await extractor.extractBatch(reviews('great')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmEndpointError);
    expect(error).toMatchObject({ nonRetryable: true, details: { kind: 'unavailable' } });
    expect((error as Error).message).toMatch(/kept failing for 0 s \(\d+ attempts, last: 500 server_error\); the retry budget is 0 s \(PERSONAFLOW_LLM_RETRY_BUDGET_S\)/);
    // 50, 100, 100, ... ms apart within 400 ms: a handful of attempts, not an unbounded loop.
    expect(server.requests.length).toBeGreaterThanOrEqual(3);
    expect(server.requests.length).toBeLessThanOrEqual(7);
  });

  it('retries a malformed reply in halves and fails only the review that causes it', async () => {
    const input = reviews('great', 'bad', 'fine <<malformed>>', 'love it');
    const result = await new OpenAIExtractor(config()).extractBatch(input);
    const outcomes = byId(result.outcomes);

    expect(result.outcomes).toHaveLength(4);
    expect(outcomes.get('rev-2')).toEqual({
      id: 'rev-2',
      ok: false,
      error: 'malformed JSON in reply (cut off at the token limit) after 3 attempts',
    });
    for (const id of ['rev-0', 'rev-1', 'rev-3']) expect(outcomes.get(id)?.ok).toBe(true);
    // 4 reviews, then halves of 2, then the bad half split to singles.
    expect(server.requests.map((_, i) => idsSent(i))).toEqual([
      ['rev-0', 'rev-1', 'rev-2', 'rev-3'],
      ['rev-0', 'rev-1'],
      ['rev-2', 'rev-3'],
      ['rev-2'],
      ['rev-3'],
    ]);
    expect(result.usage.requests).toBe(5);
  });

  it('sends no review more than maxAttempts times: a poison review takes down at most its last part of the halving', async () => {
    const texts = Array.from({ length: 8 }, (_, i) => (i === 5 ? 'x <<malformed>>' : `good ${i}`));
    const result = await new OpenAIExtractor(config({ maxAttempts: 3 })).extractBatch(reviews(...texts));
    const sends = new Map<string, number>();
    server.requests.forEach((_, i) => idsSent(i).forEach((id) => sends.set(id, (sends.get(id) ?? 0) + 1)));
    expect(Math.max(...sends.values())).toBe(3);
    // 8 → halves of 4 → quarters of 2: the quarter holding rev-5 fails.
    expect(server.requests.map((_, i) => idsSent(i).length)).toEqual([8, 4, 4, 2, 2]);
    expect(result.outcomes.filter((o) => !o.ok).map((o) => o.id)).toEqual(['rev-4', 'rev-5']);
    expect(result.outcomes.filter((o) => !o.ok).every((o) => !o.ok && / after 3 attempts$/.test(o.error))).toBe(true);
  });

  it('retries a dropped item alone, then records it failed', async () => {
    const input = reviews('great', 'meh <<drop>>', 'bad');
    const result = await new OpenAIExtractor(config()).extractBatch(input);
    expect(byId(result.outcomes).get('rev-1')).toEqual({ id: 'rev-1', ok: false, error: 'item missing from reply after 3 attempts' });
    expect(result.outcomes.filter((o) => o.ok).map((o) => o.id)).toEqual(['rev-0', 'rev-2']);
    expect(server.requests.map((_, i) => idsSent(i))).toEqual([['rev-0', 'rev-1', 'rev-2'], ['rev-1'], ['rev-1']]);
  });

  it('names the invalid field, duplicates and wrong ids', async () => {
    const input = reviews('great <<badfield>>', 'good <<dup>>', 'ok <<wrongid>>', 'fine');
    const result = await new OpenAIExtractor(config()).extractBatch(input);
    const outcomes = byId(result.outcomes);
    const error = (id: string) => {
      const outcome = outcomes.get(id)!;
      return outcome.ok ? 'ok' : outcome.error;
    };
    expect(error('rev-0')).toMatch(/^invalid field sentiment_score: .*\(got 7\) after 3 attempts$/);
    expect(error('rev-1')).toBe('item duplicated in reply (2 times) after 3 attempts');
    expect(error('rev-2')).toBe('item missing from reply after 3 attempts');
    expect(error('rev-3')).toBe('ok');
  });

  it('makes no request for an empty batch', async () => {
    const result = await new OpenAIExtractor(config()).extractBatch([]);
    expect(result).toEqual({ outcomes: [], usage: { requests: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 } });
    expect(server.requests).toHaveLength(0);
  });

  it('never lets the API key into an error, even when the server echoes it', async () => {
    server.setScript({ fail: { count: 1, status: 401 } });
    const error = await new OpenAIExtractor(config()).extractBatch(reviews('great')).catch((e: unknown) => e);

    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(error).toBeInstanceOf(LlmEndpointError);
    const err = error as LlmEndpointError;
    expect(err.message).toContain('refused the API key (401 invalid_request_error, code invalid_api_key): check OPENAI_API_KEY');
    for (const text of [err.message, String(err.stack), inspect(err, { depth: 10 })]) {
      expect(text).not.toContain('SECRET');
    }
  });
});

describe('createExtractor', () => {
  it('builds the configured provider', () => {
    expect(createExtractor(config({ provider: 'offline' }))).toBeInstanceOf(OfflineExtractor);
    expect(createExtractor(config())).toBeInstanceOf(OpenAIExtractor);
  });

  it('rejects an unknown provider with a ConfigError naming it', () => {
    const bad = { ...config(), provider: 'llama' } as unknown as LlmConfig;
    expect(() => createExtractor(bad)).toThrow(ConfigError);
    expect(() => createExtractor(bad)).toThrow(/"llama"/);
  });
});
