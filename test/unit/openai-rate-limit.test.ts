import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIExtractor } from '../../activities/llm/openai-extractor.ts';
import type { ReviewInput } from '../../activities/llm/review-features.ts';
import type { LlmConfig } from '../../worker/config.ts';
import { startFakeOpenAI, type FakeLimits, type FakeOpenAI } from '../support/fake-openai-server.ts';

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function extractorFor(baseURL: string, concurrency: number, batchSize = 5): OpenAIExtractor {
  const config: LlmConfig = {
    provider: 'openai',
    model: 'fake-model',
    baseURL,
    apiKey: 'sk-test',
    batchSize,
    concurrency,
    maxAttempts: 3,
    timeoutMs: 10_000,
    structuredOutput: 'json_schema',
  };
  // The retry budget (default 120 s) is far more than these 429s need.
  return new OpenAIExtractor(config);
}

/** `batches` batches of `size` reviews, all sent as fast as the extractor lets them. */
async function flood(extractor: OpenAIExtractor, batches: number, size = 5) {
  const all = Array.from({ length: batches }, (_, b) =>
    Array.from({ length: size }, (_, i): ReviewInput => ({ id: `b${b}-r${i}`, text: `Review ${b}-${i}: good quality, fast delivery` })),
  );
  const results = await Promise.all(all.map((batch) => extractor.extractBatch(batch)));
  return results.flatMap((r) => r.outcomes);
}

describe('OpenAIExtractor under rate limits', () => {
  // A 1-second "minute" so the buckets refill many times within the test.
  const limits: FakeLimits = { requestsPerMinute: 1_000, tokensPerMinute: 8_000, minuteMs: 1_000 };

  it('paces by the x-ratelimit headers: the work needs several refills, almost nothing is answered 429', async () => {
    server = await startFakeOpenAI({ limits, latencyMs: 20, retryAfterMs: 10 });
    const extractor = extractorFor(server.baseURL, 8);
    const outcomes = await flood(extractor, 40);

    expect(outcomes).toHaveLength(200);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // More than three buckets' worth went through, so the refill was what paced it.
    expect(server.stats.tokens).toBeGreaterThan(3 * limits.tokensPerMinute);
    expect(server.stats.throttled).toBeLessThanOrEqual(2);
    expect(extractor.limiter.throttled).toBe(server.stats.throttled);
  });

  it("two clients of one key (two worker processes) share the limit: each takes the other's spend off its refill", async () => {
    // The e2e bench's proportions, ten times faster: a request is about 1% of the bucket,
    // latency 30 ms, 4 in flight per client, buckets empty at the start.
    const shared: FakeLimits = { requestsPerMinute: 100_000, tokensPerMinute: 200_000, minuteMs: 6_000, initialFill: 0 };
    server = await startFakeOpenAI({ limits: shared, latencyMs: 30 });
    const [a, b] = [extractorFor(server.baseURL, 4, 25), extractorFor(server.baseURL, 4, 25)];
    const outcomes = (await Promise.all([flood(a, 40, 25), flood(b, 40, 25)])).flat();

    expect(outcomes).toHaveLength(2_000);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(server.stats.tokens).toBeGreaterThan(shared.tokensPerMinute); // the refill paced it
    // Each mirroring the whole refill for itself, about half their requests were answered 429 (measured).
    const requests = server.stats.answered + server.stats.throttled;
    expect(server.stats.throttled / requests).toBeLessThanOrEqual(0.15);
  });

  it('backs off after 429s it could not foresee, honouring retry-after-ms', async () => {
    server = await startFakeOpenAI({ limits, latencyMs: 5, retryAfterMs: 30 });
    server.setScript({ fail: { count: 3, status: 429 } });
    const extractor = extractorFor(server.baseURL, 8);
    const outcomes = await flood(extractor, 6);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(extractor.limiter.throttled).toBe(3);
    // Every refused request was sent again (by the extractor, after retry-after), and nothing more.
    expect(server.requests).toHaveLength(6 + 3);
  });
});
