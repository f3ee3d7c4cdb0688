// The extractor against every way an OpenAI-compatible endpoint misbehaves
// (issue 10, item 5): what fails the run at once, what is retried and for how
// long, what becomes a failed review, and that no review text or key leaks.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LlmEndpointError } from '../../activities/errors.ts';
import { OpenAIExtractor } from '../../activities/llm/openai-extractor.ts';
import type { ReviewInput } from '../../activities/llm/review-features.ts';
import type { LlmConfig } from '../../worker/config.ts';
import { startFakeOpenAI, type FakeOpenAI, type FaultMode } from '../support/fake-openai-server.ts';

const API_KEY = 'sk-test-SECRET';
const PRIVATE = 'my daughter Alice Wong loved it';

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI({ retryAfterMs: 20 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.setScript({ fail: { count: 0, status: 500 }, latencyMs: 0, mode: null });
});

function extractor(overrides: Partial<LlmConfig> = {}): OpenAIExtractor {
  return new OpenAIExtractor(
    {
      provider: 'openai',
      model: 'fake-model',
      baseURL: server.baseURL,
      apiKey: API_KEY,
      batchSize: 8,
      concurrency: 2,
      maxAttempts: 3,
      retryBudgetMs: 500,
      timeoutMs: 2_000,
      structuredOutput: 'json_schema',
      ...overrides,
    },
    { backoff: { initialMs: 20, maxMs: 80 } },
  );
}

const batch = (n: number): ReviewInput[] => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, text: `${PRIVATE}, good ${i}` }));
const sendsPerReview = (): number[] => {
  const sends = new Map<string, number>();
  for (const r of server.requests) {
    for (const { id } of JSON.parse(r.body.messages[1].content) as ReviewInput[]) sends.set(id, (sends.get(id) ?? 0) + 1);
  }
  return [...sends.values()];
};

describe('OpenAIExtractor fault modes', () => {
  const replyFaults: Array<[FaultMode, RegExp]> = [
    ['truncated', /^malformed JSON in reply \(cut off at the token limit\) after 3 attempts$/],
    ['malformed', /^malformed JSON in reply after 3 attempts$/],
    ['wrongIds', /^item missing from reply after 3 attempts$/],
    ['missingItems', /^item missing from reply after 3 attempts$/],
    ['html200', /^reply is not a chat completion .* after 3 attempts$/],
    ['echo400', /^request refused \(400 invalid_request_error, code invalid_value\) after 3 attempts$/],
  ];
  for (const [mode, reason] of replyFaults) {
    it(`${mode}: every review fails with a clear reason after exactly maxAttempts sends`, async () => {
      server.setScript({ mode });
      const result = await extractor().extractBatch(batch(8));
      expect(result.outcomes.every((o) => !o.ok && reason.test(o.error))).toBe(true);
      expect(sendsPerReview()).toEqual(Array(8).fill(3));
      // Retries go out in halves: 1 + 2 + 4 requests for a batch of 8, whatever the fault.
      expect(server.requests.length).toBe(7);
      for (const o of result.outcomes) expect(JSON.stringify(o)).not.toContain('Alice');
    });
  }

  it('401: fails at once, non-retryable, naming the setting to fix, without the key', async () => {
    server.setScript({ mode: 'unauthorized' });
    const error = await extractor().extractBatch(batch(4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmEndpointError);
    expect(error).toMatchObject({ nonRetryable: true, details: { status: 401, kind: 'auth' } });
    expect((error as Error).message).toMatch(/refused the API key .*check OPENAI_API_KEY/);
    expect(String((error as Error).stack)).not.toContain('SECRET');
    expect(server.requests).toHaveLength(1);
  });

  it('404 model: fails at once, non-retryable, naming the model', async () => {
    server.setScript({ mode: 'notFoundModel' });
    const error = await extractor({ model: 'gpt-nonexistent' }).extractBatch(batch(4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmEndpointError);
    expect(error).toMatchObject({ nonRetryable: true, details: { status: 404, kind: 'model' } });
    expect((error as Error).message).toContain('has no model "gpt-nonexistent" (404 invalid_request_error, code model_not_found)');
    expect(server.requests).toHaveLength(1);
  });

  for (const status of [429, 500, 503] as const) {
    it(`${status} storm: retried within the budget, then non-retryable with the last status`, async () => {
      server.setScript({ fail: { count: 10_000, status } });
      const started = Date.now();
      const error = await extractor().extractBatch(batch(4)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LlmEndpointError);
      expect(error).toMatchObject({ nonRetryable: true, details: { kind: 'unavailable' } });
      expect((error as Error).message).toContain(`last: ${status}`);
      expect(Date.now() - started).toBeLessThan(500 + 1_000); // the budget, plus one request in flight
    });
  }

  it('a short outage (two 503s) is ridden out', async () => {
    server.setScript({ fail: { count: 2, status: 503 } });
    const result = await extractor().extractBatch(batch(4));
    expect(result.outcomes.every((o) => o.ok)).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('slow: a reply later than the timeout is a transient failure, bounded by the budget', async () => {
    server.setScript({ latencyMs: 400 });
    const error = await extractor({ timeoutMs: 100, retryBudgetMs: 300 }).extractBatch(batch(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmEndpointError);
    expect((error as Error).message).toContain('last: request timed out');
  });

  it('echo400: the endpoint quoting review text back reaches no outcome or error', async () => {
    server.setScript({ mode: 'echo400' });
    const result = await extractor({ maxAttempts: 1 }).extractBatch(batch(2));
    expect(JSON.stringify(result)).not.toContain('Alice');
    expect(result.outcomes[0]).toEqual({ id: 'r0', ok: false, error: 'request refused (400 invalid_request_error, code invalid_value) after 1 attempts' });
  });
});
