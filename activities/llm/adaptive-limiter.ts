/**
 * Client-side pacing for a rate-limited LLM endpoint (OpenAI style limits:
 * requests and tokens per minute, refilled continuously).
 *
 * It mirrors the server's two buckets from the `x-ratelimit-*` headers of
 * every response and holds a request back until its estimated tokens fit, so
 * throughput stays near the limit instead of bursting into 429s. In-flight
 * requests are also capped by an AIMD window: halved on a 429 (and nothing is
 * sent until the server's retry-after, jittered, has passed), grown by one on each
 * success, never above `maxConcurrency`.
 *
 * Bucket mirror: a response's `remaining` is what the server had left when it
 * admitted that request; requests we sent after it were charged later, so
 * level(now) = remaining + refill since that send - estimates sent since.
 *
 * Other clients of the same key (the other worker processes) spend from the
 * same buckets, and this mirror only learns of it from the next response: two
 * processes each mirroring the full refill both send into the same tokens, and
 * one is answered 429 (measured: 7.7% of requests with 2 extraction workers at
 * 200k tokens/min, docs/performance.md). So each response is also compared
 * with what the mirror predicted: the shortfall over the time between the two
 * is others' spend, kept as a rate (an average over a sixth of the bucket's refill time, 10 s of a per-minute limit) and
 * taken off the refill. Their spend comes in lumps (whole requests), and a
 * client whose requests are all refused leaves no shortfall to see (429s are
 * not charged): with a busy peer sending the moment the level reaches its
 * next request, it was refused again and again (measured: four 429s in a row
 * for a worker starting its next range). So a request also waits for headroom
 * of one more request (our typical size). Headroom costs no throughput once
 * the buckets are paced: the level just stays that much above empty, the
 * refill is the same; it costs one request's worth of refill once, at the start.
 *
 * A client idle for a while (a worker between two extraction ranges) comes
 * back with a mirror crediting it the refill of the whole spell, which a busy
 * peer has spent: measured, it sent its whole window at once into 429s. So
 * after an idle spell one request probes until its response re-anchors the
 * mirror. (Idle, not merely without responses: a client whose window is full
 * of slow requests is busy, and must not be held to one request at a time.)
 */
export interface LimiterOptions {
  maxConcurrency: number;
  /** Window to start from (default: maxConcurrency). */
  initialConcurrency?: number;
  /** Injected for tests. */
  now?: () => number;
  /** Injected for tests: the jitter of the pause after a 429 (0 to 1). */
  random?: () => number;
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
  /** Others' spend per millisecond, seen as the mirror's shortfall (undefined until two responses tell). */
  othersPerMs?: number;
}

/** Others' spend is averaged over this share of the bucket's full refill time (10 s of a minute's limit): a few of their requests. */
const OTHERS_AVERAGE_SHARE = 1 / 6;
/**
 * Idle for longer than the refill of this many of our requests, the mirror is
 * stale (paced and busy, a request goes out every request's refill or so).
 */
const IDLE_CREDIT_REQUESTS = 4;
/** Headroom for others' lumps is at most this share of the limit. */
const MAX_HEADROOM_SHARE = 0.25;

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
  private readonly random: () => number;
  private readonly waiters: Array<() => void> = [];
  private tokens: Bucket | undefined;
  private requests: Bucket | undefined;
  private tokensSent = 0;
  private requestsSent = 0;
  /** Average estimate of our requests of late: the size of the lumps others' spend is guessed to come in. */
  private typicalRequest: number | undefined;
  /** Since when nothing was in flight or waiting (undefined while busy). */
  private idleSince: number | undefined;
  /** Set after an idle spell: the request mark of the probe whose response must come before more go out. */
  private probeMark: number | undefined;
  /** Sends answered 429 (not charged by the server), by their mark, until an observation covers them. */
  private refunds: Record<'tokens' | 'requests', Array<{ mark: number; units: number }>> = { tokens: [], requests: [] };

  constructor(options: LimiterOptions) {
    if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) {
      throw new Error(`maxConcurrency must be a positive integer, got ${options.maxConcurrency}`);
    }
    this.maxConcurrency = options.maxConcurrency;
    this.window = Math.min(options.initialConcurrency ?? options.maxConcurrency, options.maxConcurrency);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Waits until a request of about `estimatedTokens` may go out. */
  async acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = this.waitMs(estimatedTokens);
      if (wait === 0) break;
      await this.sleep(wait, signal);
    }
    // Idle for longer than the refill of a few of our requests (a worker between two ranges): the
    // refill the mirror credits for that time may all have gone to others, so this one probes.
    const now = this.now();
    if (this.inFlight === 0 && this.idleSince !== undefined && this.tokens && this.typicalRequest !== undefined) {
      if ((now - this.idleSince) * this.tokens.perMs > IDLE_CREDIT_REQUESTS * this.typicalRequest) this.probeMark = this.requestsSent + 1;
    }
    this.idleSince = undefined;
    this.inFlight += 1;
    this.typicalRequest = this.typicalRequest === undefined ? estimatedTokens : 0.8 * this.typicalRequest + 0.2 * estimatedTokens;
    this.tokensSent += estimatedTokens;
    this.requestsSent += 1;
    // `refunded`: a permit may be told of the same 429 twice; its charge comes back once.
    const marks = { tokens: this.tokensSent, requests: this.requestsSent, estimatedTokens, refunded: false };
    let released = false;
    return {
      observe: (response) => this.observe(response, marks),
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        // Idle: nothing in flight and no one waiting (a full window or a low bucket is not idle).
        if (this.inFlight === 0 && this.waiters.length === 0) this.idleSince = this.now();
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
    // Likewise after an idle spell (see acquire): one request probes until its response re-anchors the mirror.
    if (this.probeMark !== undefined && this.inFlight > 0) return Infinity;
    const tokenWait = this.bucketWait(this.tokens, this.charged('tokens', this.tokens, this.tokensSent), estimatedTokens, now, this.typicalRequest ?? estimatedTokens);
    const requestWait = this.bucketWait(this.requests, this.charged('requests', this.requests, this.requestsSent), 1, now, 1);
    // An idle client never waits forever on a bad estimate (a reply bigger than the whole limit).
    const wait = Math.max(tokenWait, requestWait);
    return this.inFlight === 0 ? Math.min(wait, 60_000) : wait;
  }

  /** What we had charged since the bucket's observed request, up to `to` (a mark): sent minus refunds between. */
  private charged(kind: 'tokens' | 'requests', bucket: Bucket | undefined, to: number): number {
    const from = bucket?.sentMark ?? 0;
    let units = to - from;
    for (const refund of this.refunds[kind]) if (refund.mark > from && refund.mark <= to) units -= refund.units;
    return units;
  }

  /** `charged`: what we sent since the bucket's observed request, refunds off; `lump`: the size of one request of ours, as a guess at the size of others'. */
  private bucketWait(bucket: Bucket | undefined, charged: number, need: number, now: number, lump: number): number {
    if (!bucket) return 0; // nothing known yet: the first responses tell
    const { perMs } = bucket;
    // What is left of the refill for us; never below a tenth, so a bad guess cannot stall us.
    const others = Math.min(Math.max(0, bucket.othersPerMs ?? 0), perMs * 0.9);
    const level = Math.min(bucket.limit, bucket.level + (now - bucket.at) * (perMs - others)) - charged;
    // Room for one request of someone else's, always: a client we cannot see (its 429s are not
    // charged, so they leave no shortfall) then gets in instead of being refused again and again.
    // More than one would grow without bound as others' share nears all.
    const headroom = Math.min(lump, bucket.limit * MAX_HEADROOM_SHARE);
    const wanted = Math.min(need + headroom, bucket.limit);
    if (level >= wanted) return 0;
    return Math.ceil((wanted - level) / (perMs - others));
  }

  private observe(
    { status, headers }: RateLimitObservation,
    marks: { tokens: number; requests: number; estimatedTokens: number; refunded: boolean },
  ): void {
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
      const previous = this[kind];
      // A reply overtaken by a later request's reply tells less than the mirror knows already.
      if (previous && mark < previous.sentMark) return;
      // The charge for this request is in `remaining`; what we sent before it was charged earlier.
      const charged = this.charged(kind, previous, mark);
      this[kind] = { limit, level: remaining, at: now, sentMark: mark, perMs, othersPerMs: othersSpend(previous, { limit, remaining, now, charged, perMs }) };
      // Refunds up to this mark are in `remaining` now.
      this.refunds[kind] = this.refunds[kind].filter((r) => r.mark > mark);
    };
    if (status === 429 && !marks.refunded) {
      // A refused request was not charged: what the mirror subtracted for it comes back.
      marks.refunded = true;
      this.refunds.tokens.push({ mark: marks.tokens, units: marks.estimatedTokens });
      this.refunds.requests.push({ mark: marks.requests, units: 1 });
    }
    update('tokens', marks.tokens);
    update('requests', marks.requests);
    if (this.probeMark !== undefined && marks.requests >= this.probeMark) this.probeMark = undefined;

    if (status === 429) {
      this.throttled += 1;
      this.window = Math.max(1, Math.floor(this.window / 2));
      // Jittered (up to half as long again): clients refused together do not all come back together.
      this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs(headers) * (1 + 0.5 * this.random()));
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

/**
 * Others' spend rate after a new observation: the previous one's level plus
 * the refill since, minus what we sent since, is what the server would have
 * left had no one else spent; the shortfall is theirs. Averaged with the
 * earlier rate, weighted by time. Not measurable when the bucket may have been
 * full meanwhile (its refill was lost; the old rate is forgotten too, as
 * stale: a client that waited that long learns it again), nor over no time.
 */
function othersSpend(
  previous: Bucket | undefined,
  next: { limit: number; remaining: number; now: number; charged: number; perMs: number },
): number | undefined {
  if (!previous) return undefined;
  const dt = next.now - previous.at;
  if (dt <= 0) return previous.othersPerMs;
  const refilled = previous.level + dt * next.perMs;
  // So long a gap that the bucket may have filled: what others spent is unknowable, and what was known is stale.
  if (refilled >= next.limit) return undefined;
  const predicted = refilled - next.charged;
  const sample = (predicted - next.remaining) / dt;
  // The first sample is one of many (and early estimates are rough): it is averaged in from 0, not taken whole.
  const weight = Math.min(1, dt / ((OTHERS_AVERAGE_SHARE * next.limit) / next.perMs));
  return (previous.othersPerMs ?? 0) + weight * (sample - (previous.othersPerMs ?? 0));
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
