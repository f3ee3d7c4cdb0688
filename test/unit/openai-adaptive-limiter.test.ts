import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter, parseDuration, retryAfterMs } from '../../activities/llm/adaptive-limiter.ts';

const headers = (h: Record<string, string | number>) => new Headers(Object.entries(h).map(([k, v]): [string, string] => [k, String(v)]));
const limits = (remainingTokens: number, remainingRequests = 100) =>
  headers({
    'x-ratelimit-limit-tokens': 60_000, // 1 token per ms: easy arithmetic
    'x-ratelimit-remaining-tokens': remainingTokens,
    'x-ratelimit-limit-requests': 600,
    'x-ratelimit-remaining-requests': remainingRequests,
  });

describe('AdaptiveLimiter', () => {
  it('sends one probe until a response is seen, then up to the window', async () => {
    const limiter = new AdaptiveLimiter({ maxConcurrency: 2, now: () => 0 });
    const probe = await limiter.acquire(1000);
    expect(limiter.waitMs(1000)).toBe(Infinity); // slow start: the probe goes alone
    probe.observe({ status: 200, headers: new Headers() }); // a server without rate-limit headers
    await limiter.acquire(1000);
    expect(limiter.inFlight).toBe(2);
    expect(limiter.waitMs(1000)).toBe(Infinity); // window full: waits for a release
  });

  it('holds a request back until the mirrored token bucket has room', async () => {
    let now = 0;
    const limiter = new AdaptiveLimiter({ maxConcurrency: 8, now: () => now });
    const first = await limiter.acquire(500);
    first.observe({ status: 200, headers: limits(1_000) }); // 1,000 left when it was admitted
    first.release();
    expect(limiter.waitMs(800)).toBe(0);
    await limiter.acquire(800); // sent after the observation: the mirror charges it
    expect(limiter.waitMs(800)).toBe(600); // 200 left, 600 more at 1 token/ms
    now = 600;
    expect(limiter.waitMs(800)).toBe(0);
  });

  it('pauses for retry-after and halves the window on a 429, then grows it again', async () => {
    let now = 0;
    const limiter = new AdaptiveLimiter({ maxConcurrency: 8, now: () => now });
    const permit = await limiter.acquire(10);
    permit.observe({ status: 429, headers: headers({ 'retry-after-ms': 250 }) });
    expect(limiter.window).toBe(4);
    expect(limiter.throttled).toBe(1);
    expect(limiter.waitMs(10)).toBe(250);
    permit.observe({ status: 200, headers: new Headers() });
    permit.release();
    expect(limiter.window).toBe(5);
    now = 250;
    expect(limiter.waitMs(10)).toBe(0);
  });

  it('wakes a waiter when a request is released', async () => {
    const limiter = new AdaptiveLimiter({ maxConcurrency: 1, now: () => 0 });
    const first = await limiter.acquire(1);
    let secondGot = false;
    const second = limiter.acquire(1).then((p) => {
      secondGot = true;
      return p;
    });
    await new Promise((r) => setImmediate(r));
    expect(secondGot).toBe(false);
    first.release();
    (await second).release();
    expect(secondGot).toBe(true);
    expect(limiter.inFlight).toBe(0);
  });

  it('stops waiting when the signal aborts', async () => {
    const limiter = new AdaptiveLimiter({ maxConcurrency: 1, now: () => 0 });
    await limiter.acquire(1);
    const abort = new AbortController();
    const waiting = limiter.acquire(1, abort.signal);
    abort.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });

  it('reads retry-after-ms, then retry-after seconds, else one second', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': 120, 'retry-after': 5 }))).toBe(120);
    expect(retryAfterMs(headers({ 'retry-after': 2 }))).toBe(2000);
    expect(retryAfterMs(new Headers())).toBe(1000);
  });

  it('takes the refill rate from the reset header', async () => {
    let now = 0;
    const limiter = new AdaptiveLimiter({ maxConcurrency: 4, now: () => now });
    const permit = await limiter.acquire(100);
    // 600 of 1,000 missing, back in 300 ms: 2 tokens per ms (a fast "minute").
    permit.observe({
      status: 200,
      headers: headers({ 'x-ratelimit-limit-tokens': 1000, 'x-ratelimit-remaining-tokens': 400, 'x-ratelimit-reset-tokens': '300ms' }),
    });
    permit.release();
    expect(limiter.waitMs(600)).toBe(100);
  });

  it('parses OpenAI reset durations', () => {
    expect(parseDuration('6ms')).toBe(6);
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('0.5s')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('2h0m0s')).toBe(7_200_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration(null)).toBeUndefined();
  });
});
