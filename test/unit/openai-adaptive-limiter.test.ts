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

/**
 * A limiter whose first request (400 tokens) emptied the token bucket, 10 s
 * ago: others' spend is averaged over 10 s of a per-minute limit, so the next
 * response's shortfall is all of that estimate.
 */
async function emptiedTenSecondsAgo() {
  let now = 0;
  const limiter = new AdaptiveLimiter({ maxConcurrency: 8, now: () => now });
  const first = await limiter.acquire(400);
  first.observe({ status: 200, headers: limits(0, 100) });
  first.release();
  now = 10_000;
  return { limiter, setNow: (ms: number) => (now = ms) };
}

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

  it('holds a request back until the mirrored token bucket has room, and room for one request of someone else', async () => {
    let now = 0;
    const limiter = new AdaptiveLimiter({ maxConcurrency: 8, now: () => now });
    const first = await limiter.acquire(500);
    first.observe({ status: 200, headers: limits(2_000) }); // 2,000 left when it was admitted
    first.release();
    expect(limiter.waitMs(800)).toBe(0); // 800 + 500 (our typical request) fit
    await limiter.acquire(800); // sent after the observation: the mirror charges it
    // 1,200 left; 800 plus 560 (our typical request now: 0.8 x 500 + 0.2 x 800) at 1 token/ms.
    expect(limiter.waitMs(800)).toBe(160);
    now = 160;
    expect(limiter.waitMs(800)).toBe(0);
  });

  it("takes others' spend, seen as a shortfall in the next response, off the refill and waits for headroom", async () => {
    const { limiter, setNow } = await emptiedTenSecondsAgo();
    const second = await limiter.acquire(400);
    // Another process spent 5,000 meanwhile: 10,000 refilled - 400 ours - 5,000 theirs = 4,600 left.
    second.observe({ status: 200, headers: limits(4_600, 199) });
    second.release();
    // Theirs is 0.5 token/ms of the 1 token/ms refill: 0.5 is left for us, and one of their
    // requests (about ours, 400) may come meanwhile: 6,000 + 400 - 4,600 at 0.5/ms.
    // Mirroring the full refill alone, it would send in 1,400 ms, into their tokens.
    expect(limiter.waitMs(6_000)).toBe(3_600);
    setNow(13_600);
    expect(limiter.waitMs(6_000)).toBe(0);
  });

  it('does not count a request answered 429 as spent: the server did not charge it', async () => {
    const { limiter } = await emptiedTenSecondsAgo();
    const refused = await limiter.acquire(9_000); // the mirror says 10,000 are there
    // Another process spent 2,000 meanwhile, so 8,000 were left: too few, and nothing was charged.
    refused.observe({ status: 429, headers: headers({ ...Object.fromEntries(limits(8_000, 200)), 'retry-after-ms': 0 }) });
    refused.release();
    // Theirs is 0.2 token/ms (counting the refused 9,000 as spent would make it -0.7, i.e. none):
    // 0.8/ms left for us, headroom our typical request (0.8 x 400 + 0.2 x 9,000 = 2,120).
    expect(limiter.waitMs(9_000)).toBe(Math.ceil((9_000 + 2_120 - 8_000) / 0.8));
  });

  it('after an idle spell, one request probes alone: the refill it was credited may have gone to others', async () => {
    let now = 0;
    const limiter = new AdaptiveLimiter({ maxConcurrency: 8, now: () => now });
    const first = await limiter.acquire(400);
    first.observe({ status: 200, headers: limits(10_000) });
    first.release(); // idle from here
    now = 5_000; // 5,000 refilled meanwhile: more than 4 requests' worth
    const probe = await limiter.acquire(400);
    expect(limiter.waitMs(400)).toBe(Infinity); // the mirror says 14,600 are there; the probe goes alone
    probe.observe({ status: 200, headers: limits(14_200) }); // they were there: the mirror is fresh again
    expect(limiter.waitMs(400)).toBe(0);
  });

  it('a full window of slow requests is busy, not idle: no probing after it', async () => {
    let now = 0;
    const limiter = new AdaptiveLimiter({ maxConcurrency: 2, now: () => now });
    const first = await limiter.acquire(400);
    first.observe({ status: 200, headers: limits(10_000) });
    const slow = await limiter.acquire(400); // the window (2) is full for 5 s
    now = 5_000;
    first.release();
    await limiter.acquire(400);
    slow.release();
    expect(limiter.waitMs(400)).toBe(0);
  });

  it('pauses for retry-after (jittered up to half as long again) and halves the window on a 429, then grows it again', async () => {
    let now = 0;
    const limiter = new AdaptiveLimiter({ maxConcurrency: 8, now: () => now, random: () => 0.5 });
    const permit = await limiter.acquire(10);
    permit.observe({ status: 429, headers: headers({ 'retry-after-ms': 250 }) });
    expect(limiter.window).toBe(4);
    expect(limiter.throttled).toBe(1);
    expect(limiter.waitMs(10)).toBe(312.5);
    permit.observe({ status: 200, headers: new Headers() });
    permit.release();
    expect(limiter.window).toBe(5);
    now = 312.5;
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
    expect(limiter.waitMs(600)).toBe(150); // 600 + 100 of headroom - 400, at 2 per ms
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
