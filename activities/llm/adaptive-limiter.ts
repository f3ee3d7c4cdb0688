/**
 * Client-side pacing for a rate-limited LLM endpoint (OpenAI style limits:
 * requests and tokens per minute, refilled continuously).
 *
 * It mirrors the server's two buckets from the `x-ratelimit-*` headers of
 * every response and holds a request back until its estimated tokens fit, so
 * throughput stays near the limit instead of bursting into 429s. In-flight
 * requests are also capped by an AIMD window: halved on a 429 (and nothing is
 * sent until the server's retry-after has passed), grown by one on each
 * success, never above `maxConcurrency`.
 *
 * Bucket mirror: a response's `remaining` is what the server had left when it
 * admitted that request; requests we sent after it were charged later, so
 * level(now) = remaining + refill since that send - estimates sent since.
 */
export interface LimiterOptions {
  maxConcurrency: number;
  /** Window to start from (default: maxConcurrency). */
  initialConcurrency?: number;
  /** Injected for tests. */
  now?: () => number;
}

export interface RateLimitObservation {
  status: number;
  headers: Headers;
}

export interface Permit {
  /** Feed back what the server said (each HTTP response of this request, retries included). */
  observe(response: RateLimitObservation): void;
  /** Call exactly once when the request is over, whatever its outcome. */
  release(): void;
}

interface Bucket {
  limit: number;
  /** Level at `at`, before subtracting what was sent after `sentIndex`. */
  level: number;
  at: number;
  /** Cumulative units sent when the observed request was sent. */
  sentMark: number;
  /** Refill per millisecond. */
  perMs: number;
}

export class AdaptiveLimiter {
  readonly maxConcurrency: number;
  /** Current window of requests allowed in flight. */
  window: number;
  inFlight = 0;
  /** 429s observed (for accounting and the benchmark). */
  throttled = 0;
  private pausedUntil = 0;
  private observed = false;
  private readonly now: () => number;
  private readonly waiters: Array<() => void> = [];
  private tokens: Bucket | undefined;
  private requests: Bucket | undefined;
  private tokensSent = 0;
  private requestsSent = 0;

  constructor(options: LimiterOptions) {
    if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) {
      throw new Error(`maxConcurrency must be a positive integer, got ${options.maxConcurrency}`);
    }
    this.maxConcurrency = options.maxConcurrency;
    this.window = Math.min(options.initialConcurrency ?? options.maxConcurrency, options.maxConcurrency);
    this.now = options.now ?? Date.now;
  }

  /** Waits until a request of about `estimatedTokens` may go out. */
  async acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = this.waitMs(estimatedTokens);
      if (wait === 0) break;
      await this.sleep(wait, signal);
    }
    this.inFlight += 1;
    this.tokensSent += estimatedTokens;
    this.requestsSent += 1;
    const marks = { tokens: this.tokensSent, requests: this.requestsSent };
    let released = false;
    return {
      observe: (response) => this.observe(response, marks),
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        this.wake();
      },
    };
  }

  /** 0 when a request may go now, else how long to wait before looking again. */
  waitMs(estimatedTokens: number): number {
    const now = this.now();
    if (now < this.pausedUntil) return this.pausedUntil - now;
    if (this.inFlight >= this.window) return Infinity; // woken by release()
    // Slow start: until a first response tells the limits, one request probes alone,
    // so a cold start against an exhausted limit costs one 429, not a window of them.
    if (!this.observed && this.inFlight > 0) return Infinity;
    const tokenWait = this.bucketWait(this.tokens, this.tokensSent, estimatedTokens, now);
    const requestWait = this.bucketWait(this.requests, this.requestsSent, 1, now);
    // An idle client never waits forever on a bad estimate (a reply bigger than the whole limit).
    const wait = Math.max(tokenWait, requestWait);
    return this.inFlight === 0 ? Math.min(wait, 60_000) : wait;
  }

  private bucketWait(bucket: Bucket | undefined, sent: number, need: number, now: number): number {
    if (!bucket) return 0; // nothing known yet: the first responses tell
    const { perMs } = bucket;
    const level = Math.min(bucket.limit, bucket.level + (now - bucket.at) * perMs) - (sent - bucket.sentMark);
    const wanted = Math.min(need, bucket.limit);
    if (level >= wanted) return 0;
    return Math.ceil((wanted - level) / perMs);
  }

  private observe({ status, headers }: RateLimitObservation, marks: { tokens: number; requests: number }): void {
    const now = this.now();
    this.observed = true;
    const read = (name: string): number | undefined => {
      const value = headers.get(name);
      const n = value === null ? NaN : Number(value);
      return Number.isFinite(n) ? n : undefined;
    };
    const update = (kind: 'tokens' | 'requests', mark: number): void => {
      const limit = read(`x-ratelimit-limit-${kind}`);
      const remaining = read(`x-ratelimit-remaining-${kind}`);
      if (limit === undefined || remaining === undefined || limit <= 0) return;
      // The refill rate: what is missing comes back by the reset time; without
      // a usable reset header, a minute's limit per minute.
      const resetMs = parseDuration(headers.get(`x-ratelimit-reset-${kind}`));
      const perMs = resetMs !== undefined && resetMs > 0 && remaining < limit ? (limit - remaining) / resetMs : limit / 60_000;
      // The charge for this request is in `remaining`; what we sent before it was charged earlier.
      this[kind] = { limit, level: remaining, at: now, sentMark: mark, perMs };
    };
    update('tokens', marks.tokens);
    update('requests', marks.requests);

    if (status === 429) {
      this.throttled += 1;
      this.window = Math.max(1, Math.floor(this.window / 2));
      this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs(headers));
    } else if (status < 400) {
      this.window = Math.min(this.maxConcurrency, this.window + 1);
    }
    this.wake();
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      const onAbort = (): void => {
        done();
        reject(signal!.reason);
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      this.waiters.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Lets every waiter look again (they re-check and sleep again if still blocked). */
  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/** retry-after-ms, else retry-after in seconds, else one second. */
export function retryAfterMs(headers: Headers): number {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const s = Number(headers.get('retry-after'));
  if (headers.get('retry-after') !== null && Number.isFinite(s) && s >= 0) return s * 1000;
  return 1000;
}

/** OpenAI's reset durations: "6ms", "1s", "0.5s", "1m30s", "2h0m0s". Undefined when absent or unreadable. */
export function parseDuration(text: string | null): number | undefined {
  if (!text) return undefined;
  const parts = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/.exec(text.trim());
  if (!parts || text.trim() === '') return undefined;
  const [, h, m, s, ms] = parts.map((p) => (p === undefined ? 0 : Number(p))) as number[];
  return h! * 3_600_000 + m! * 60_000 + s! * 1000 + ms!;
}
