import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { LlmConfig } from '../../worker/config.ts';
import { LlmEndpointError } from '../errors.ts';
import { AdaptiveLimiter } from './adaptive-limiter.ts';
import { classifyRequestFailure } from './llm-failures.ts';
import {
  BATCH_REPLY_JSON_SCHEMA,
  BATCH_REPLY_SCHEMA_NAME,
  SYSTEM_PROMPT,
  buildBatchMessage,
} from './prompt.ts';
import {
  ReviewFeaturesSchema,
  emptyUsage,
  type BatchResult,
  type ExtractionOutcome,
  type ExtractionUsage,
  type ReviewFeatureExtractor,
  type ReviewFeatures,
  type ReviewInput,
} from './review-features.ts';

export interface OpenAIExtractorOptions {
  /** Waits between transient failures: first, and the cap of the doubling (default 1 s and 20 s; tests shorten them). */
  backoff?: { initialMs: number; maxMs: number };
  /** Shared pacing; default: one per extractor, capped at config.concurrency requests in flight. */
  limiter?: AdaptiveLimiter;
}

/** What one reply said about one review. */
export type Verdict =
  | { ok: true; features: ReviewFeatures }
  /** blamed: the fault is this item's own (missing, duplicated, invalid), not the whole reply's. */
  | { ok: false; reason: string; blamed: boolean };

/**
 * Any OpenAI-compatible chat completions endpoint (OpenAI, vLLM, llama.cpp
 * server, Ollama, ...). One batch of reviews goes out as one request; the
 * reply is never trusted: it is parsed and validated item by item, and only
 * the items that came back bad are asked for again, in smaller batches.
 */
export class OpenAIExtractor implements ReviewFeatureExtractor {
  readonly name = 'openai';
  readonly model: string;
  private readonly client: OpenAI;
  private readonly maxAttempts: number;
  private readonly retryBudgetMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  /** For messages: the base URL without any credentials in it. */
  private readonly endpoint: string;
  private readonly responseFormat: ChatCompletionCreateParamsNonStreaming['response_format'];
  /** Kept only to scrub it out of errors; never logged. */
  private readonly secret: string | undefined;
  /** Paces every HTTP attempt (retries included) by the server's rate-limit headers. */
  readonly limiter: AdaptiveLimiter;
  /** Running estimate of completion tokens per review, for pacing before the reply says. */
  private completionPerReview = 80;
  /**
   * Running estimate of prompt tokens per character of the request body (the
   * body also holds JSON syntax and the reply schema, which servers count
   * differently). The limiter infers other clients' spend from the gap between
   * its estimates and the server's remaining tokens, so estimates must not be
   * biased (docs/extraction.md).
   */
  private promptPerBodyChar = 0.25;

  constructor(config: LlmConfig, options: OpenAIExtractorOptions = {}) {
    this.model = config.model;
    this.maxAttempts = config.maxAttempts;
    this.retryBudgetMs = config.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
    this.backoff = options.backoff ?? { initialMs: 1_000, maxMs: 20_000 };
    this.endpoint = endpointName(config.baseURL);
    this.secret = config.apiKey || undefined;
    this.limiter = options.limiter ?? new AdaptiveLimiter({ maxConcurrency: config.concurrency });
    this.client = new OpenAI({
      fetch: (url, init) => this.pacedFetch(url, init),
      baseURL: config.baseURL,
      // Local OpenAI-compatible servers need no key, but the client insists on one.
      apiKey: config.apiKey ?? 'unused',
      // Explicit, so the client does not pick these up from the environment (config.ts is the only reader).
      organization: null,
      project: null,
      // No client retries: request() is the one place that retries (see there).
      maxRetries: 0,
      timeout: config.timeoutMs,
      logLevel: 'warn',
    });
    this.responseFormat =
      config.structuredOutput === 'json_schema'
        ? {
            type: 'json_schema',
            json_schema: { name: BATCH_REPLY_SCHEMA_NAME, strict: true, schema: BATCH_REPLY_JSON_SCHEMA },
          }
        : { type: 'json_object' };
  }

  async extractBatch(reviews: ReviewInput[], signal?: AbortSignal): Promise<BatchResult> {
    const ids = new Set<string>();
    for (const review of reviews) {
      if (ids.has(review.id)) throw new Error(`duplicate review id "${review.id}" in one batch: ids must be unique`);
      ids.add(review.id);
    }

    const usage = emptyUsage();
    const outcomes = new Map<string, ExtractionOutcome>();
    const attempts = new Map<string, number>();
    const queue: ReviewInput[][] = reviews.length > 0 ? [reviews] : [];

    while (queue.length > 0) {
      const batch = queue.shift()!;
      // Built once: every attempt sends it, and its size calibrates the token estimate.
      const body = this.chatBody(batch);
      const reply = await this.request(body, signal);
      let verdicts: Map<string, Verdict>;
      if ('refused' in reply) {
        verdicts = new Map(batch.map((review) => [review.id, { ok: false, reason: reply.refused, blamed: false }]));
      } else {
        const { completion } = reply;
        addUsage(usage, completion);
        const completionTokens = completion?.usage?.completion_tokens;
        if (completionTokens) {
          this.completionPerReview = 0.8 * this.completionPerReview + 0.2 * (completionTokens / batch.length);
        }
        const promptTokens = completion?.usage?.prompt_tokens;
        if (promptTokens) {
          this.promptPerBodyChar = 0.8 * this.promptPerBodyChar + 0.2 * (promptTokens / JSON.stringify(body).length);
        }
        verdicts = judgeReply(completion, batch);
      }

      const again: ReviewInput[] = [];
      for (const review of batch) {
        const verdict = verdicts.get(review.id)!;
        if (verdict.ok) {
          outcomes.set(review.id, { id: review.id, ok: true, features: verdict.features });
          continue;
        }
        const tries = (attempts.get(review.id) ?? 0) + 1;
        attempts.set(review.id, tries);
        // Every review is sent at most maxAttempts times (PERSONAFLOW_LLM_MAX_ATTEMPTS),
        // whatever went wrong. A whole-reply failure (malformed JSON, a refused
        // request) cannot be pinned on one item while it shares the request with
        // others, so those retries go out in halves: a review that breaks every
        // reply it is in takes down at most batch / 2^(maxAttempts-1) neighbours
        // (a quarter of the batch at the default 3), and an endpoint that breaks
        // every reply costs 2^maxAttempts - 1 requests per batch, not more.
        if (tries >= this.maxAttempts) {
          outcomes.set(review.id, { id: review.id, ok: false, error: `${verdict.reason} after ${tries} attempts` });
        } else {
          again.push(review);
        }
      }
      queue.push(...chunk(again, Math.max(1, Math.ceil(batch.length / 2))));
    }

    return { outcomes: reviews.map((review) => outcomes.get(review.id)!), usage };
  }

  /**
   * The client's fetch, wrapped: each HTTP attempt waits for the limiter,
   * and each response (a 429 with its retry-after included) feeds the
   * limiter its x-ratelimit-* headers.
   */
  private async pacedFetch(url: string | URL | Request, init?: RequestInit): Promise<Response> {
    const permit = await this.limiter.acquire(this.estimateTokens(init?.body), init?.signal ?? undefined);
    try {
      const response = await fetch(url, init);
      permit.observe({ status: response.status, headers: response.headers });
      return response;
    } finally {
      permit.release();
    }
  }

  /** Prompt tokens (at first 4 characters each, then as the server counts) plus the expected reply for the reviews in the body. */
  private estimateTokens(body: unknown): number {
    if (typeof body !== 'string') return 1;
    let reviews = 1;
    try {
      const messages = (JSON.parse(body) as { messages?: Array<{ role: string; content: string }> }).messages ?? [];
      const user = messages.find((m) => m.role === 'user');
      const parsed: unknown = user ? JSON.parse(user.content) : [];
      if (Array.isArray(parsed)) reviews = Math.max(1, parsed.length);
    } catch {
      // Not our batch format: the prompt size alone is the estimate.
    }
    return Math.ceil(body.length * this.promptPerBodyChar + reviews * this.completionPerReview);
  }

  /** The chat completions body for one batch: the same for a direct request and a Batch API line. */
  chatBody(batch: ReviewInput[]): ChatCompletionCreateParamsNonStreaming {
    return {
      model: this.model,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: buildBatchMessage(batch) },
      ],
      response_format: this.responseFormat,
    };
  }

  /** The configured client (paced, key scrubbed from its errors by the callers), for the Batch API. */
  get api(): OpenAI {
    return this.client;
  }

  /** The API key, only so Batch API callers can scrub it out of errors. */
  get secretForScrubbing(): string | undefined {
    return this.secret;
  }

  /**
   * One batch's request, and the one place that retries transport failures
   * (the client's own retries are off, and the range activity's Temporal
   * retries are for lost workers: LLM failures reach it as non-retryable).
   * What a failure means is classifyRequestFailure's call (llm-failures.ts):
   * fatal ones throw at once; refused ones come back as a failed reply for
   * the batch's reviews; transient ones are retried with exponential backoff
   * (1 s doubling to 20 s, jittered) or the server's retry-after, for as long
   * as the retry budget (PERSONAFLOW_LLM_RETRY_BUDGET_S, default 120 s per
   * request) lasts, then the run fails saying so.
   */
  private async request(body: ChatCompletionCreateParamsNonStreaming, signal?: AbortSignal): Promise<{ completion: ChatCompletion } | { refused: string }> {
    const started = Date.now();
    let delay = this.backoff.initialMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return { completion: await this.client.chat.completions.create(body, { signal }) };
      } catch (raw) {
        // Some servers echo the key back ("Incorrect API key provided: sk-..."): scrub it first.
        const error = scrubSecret(raw, this.secret);
        if (signal?.aborted || error instanceof OpenAI.APIUserAbortError) throw error;
        const failure = classifyRequestFailure(error, { baseURL: this.endpoint, model: this.model });
        if (failure.kind === 'fatal') throw failure.error;
        if (failure.kind === 'refused') return { refused: failure.reason };
        const wait = failure.retryAfterMs ?? delay * (0.8 + 0.4 * Math.random());
        const elapsed = Date.now() - started;
        if (elapsed + wait > this.retryBudgetMs) {
          throw new LlmEndpointError(
            `the LLM endpoint ${this.endpoint} kept failing for ${Math.round(elapsed / 1000)} s ` +
              `(${attempt} attempts, last: ${failure.reason}); the retry budget is ${Math.round(this.retryBudgetMs / 1000)} s ` +
              '(PERSONAFLOW_LLM_RETRY_BUDGET_S); reviews extracted so far are stored and cached',
            { kind: 'unavailable' },
            true,
          );
        }
        await sleep(wait, signal);
        delay = Math.min(delay * 2, this.backoff.maxMs);
      }
    }
  }
}

/** Default of PERSONAFLOW_LLM_RETRY_BUDGET_S: how long one request waits out an outage. */
export const DEFAULT_RETRY_BUDGET_MS = 120_000;

function endpointName(baseURL: string | undefined): string {
  if (!baseURL) return 'https://api.openai.com/v1';
  try {
    const url = new URL(baseURL);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(the configured OPENAI_BASE_URL)';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function addUsage(usage: ExtractionUsage, completion: ChatCompletion | undefined): void {
  usage.requests += 1;
  usage.promptTokens += completion?.usage?.prompt_tokens ?? 0;
  usage.completionTokens += completion?.usage?.completion_tokens ?? 0;
  usage.cachedPromptTokens += completion?.usage?.prompt_tokens_details?.cached_tokens ?? 0;
}

/** Reads one reply and decides, for every review of the batch, what it got. */
export function judgeReply(completion: ChatCompletion, batch: ReviewInput[]): Map<string, Verdict> {
  const verdicts = new Map<string, Verdict>();
  const everyone = (reason: string): Map<string, Verdict> => {
    for (const review of batch) verdicts.set(review.id, { ok: false, reason, blamed: false });
    return verdicts;
  };

  // A proxy's HTML page with status 200 arrives as a string, not a completion.
  if (typeof completion !== 'object' || completion === null || !Array.isArray(completion.choices)) {
    return everyone('reply is not a chat completion (an HTML page or another format?)');
  }
  const choice = completion.choices[0];
  if (choice?.message.refusal) return everyone(`model refused: ${clip(choice.message.refusal)}`);
  const content = choice?.message.content;
  if (!content) return everyone('empty reply');
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return everyone(
      choice.finish_reason === 'length' ? 'malformed JSON in reply (cut off at the token limit)' : 'malformed JSON in reply',
    );
  }
  const results = (parsed as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return everyone('reply has no "results" array');

  // Group reply items by id; items with ids we did not send are ignored
  // (the reviews they should have answered count as missing).
  const byId = new Map<string, unknown[]>();
  for (const item of results) {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' && typeof id !== 'number') continue;
    const list = byId.get(String(id)) ?? [];
    list.push(item);
    byId.set(String(id), list);
  }

  for (const review of batch) {
    const items = byId.get(review.id) ?? [];
    if (items.length === 0) {
      verdicts.set(review.id, { ok: false, reason: 'item missing from reply', blamed: true });
    } else if (items.length > 1) {
      verdicts.set(review.id, { ok: false, reason: `item duplicated in reply (${items.length} times)`, blamed: true });
    } else {
      const checked = ReviewFeaturesSchema.safeParse(items[0]);
      verdicts.set(
        review.id,
        checked.success
          ? { ok: true, features: checked.data }
          : { ok: false, reason: describeIssue(checked.error.issues[0], items[0]), blamed: true },
      );
    }
  }
  return verdicts;
}

/** "invalid field sentiment_score: Too big: expected number to be <=1 (got 7)" */
function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined, item: unknown): string {
  if (!issue) return 'invalid item';
  let value: unknown = item;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  const field = issue.path.map(String).join('.') || '(item)';
  const got = value === undefined ? 'nothing' : clip(JSON.stringify(value));
  return `invalid field ${field}: ${issue.message} (got ${got})`;
}

function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Replaces every occurrence of the API key in an error (message, stack, the
 * parsed error body, causes) with [REDACTED]. The error keeps its class, so
 * callers can still tell a RateLimitError from an AuthenticationError.
 */
export function scrubSecret(error: unknown, secret: string | undefined): unknown {
  if (!secret || !(error instanceof Error)) return error;
  const seen = new Set<unknown>();
  const clean = (value: unknown): unknown => {
    if (typeof value === 'string') return value.split(secret).join('[REDACTED]');
    if (value === null || typeof value !== 'object' || seen.has(value)) return value;
    seen.add(value);
    if (Array.isArray(value)) return value.map(clean);
    if (value instanceof Headers) return value;
    for (const key of Object.getOwnPropertyNames(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (!descriptor || !('value' in descriptor)) continue;
      const cleaned = clean(descriptor.value);
      if (cleaned === descriptor.value) continue;
      try {
        Object.defineProperty(value, key, { ...descriptor, value: cleaned });
      } catch {
        // A frozen property: nothing we can do about it, and nothing of ours.
      }
    }
    return value;
  };
  return clean(error);
}
