// The e2e bench's LLM endpoint for `--provider openai` (issue 12: extraction
// at 200k tokens/min with 2 extraction-only workers): our OpenAI-compatible
// test server, in the bench process, enforcing a tokens-per-minute limit with
// real x-ratelimit-* headers and 429s. Its buckets start EMPTY at the first
// chat request (not at server start: the load stage before extraction would
// fill them), so what is measured is steady pacing, not the first minute's
// burst. Every judged request is timed, so the figures cover the extract stage
// only (persona cards in train would also call it).
import { startFakeOpenAI, type FakeOpenAI, type LimitedChatEvent } from '../test/support/fake-openai-server.ts';
import type { Interval } from './e2e-history.ts';

/** Requests per minute: far above what 200k tokens/min allows at 25 reviews a request, so tokens are the limit. */
const REQUESTS_PER_MINUTE = 10_000;
/** Not a secret: the test server's own key, so the workers' requests are checked for one. */
const BENCH_KEY = 'sk-bench-e2e';

export interface BenchLlm {
  server: FakeOpenAI;
  events: LimitedChatEvent[];
  /** What the workers need to use it (provider, base URL, key). */
  env: Record<string, string>;
  tpm: number;
  latencyMs: number;
}

export async function startBenchLlm(options: { tpm: number; latencyMs: number }): Promise<BenchLlm> {
  const events: LimitedChatEvent[] = [];
  const server = await startFakeOpenAI({
    latencyMs: options.latencyMs,
    apiKey: BENCH_KEY,
    limits: { requestsPerMinute: REQUESTS_PER_MINUTE, tokensPerMinute: options.tpm, initialFill: 0, fillFrom: 'firstRequest' },
    onLimitedChat: (event) => events.push(event),
  });
  return {
    server,
    events,
    env: { PERSONAFLOW_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: BENCH_KEY },
    tpm: options.tpm,
    latencyMs: options.latencyMs,
  };
}

export interface LlmFigures {
  tpm: number;
  latencyMs: number;
  /** Requests judged in the interval (answered + 429). */
  requests: number;
  answered: number;
  throttled: number;
  tokens: number;
  /** tokens / (tpm × interval minutes): the goal is >= 0.9. */
  limitShare?: number;
  /** throttled / requests: the goal is <= 0.02. */
  throttledShare?: number;
  /** From the first request to the last in the interval: the same share without the stage's planning and tail. */
  requestSpanSeconds?: number;
  limitShareOverRequestSpan?: number;
  /** Seconds from the interval's start of each 429: at the cold start, or all along? */
  throttledAtSeconds: number[];
}

/** The limit's use over one interval (the extract stage). */
export function llmFigures(llm: Pick<BenchLlm, 'events' | 'tpm' | 'latencyMs'>, interval: Interval | undefined): LlmFigures {
  const inside = interval ? llm.events.filter((e) => e.at >= interval.start && e.at <= interval.end) : [];
  const answered = inside.filter((e) => e.status === 200);
  const tokens = answered.reduce((n, e) => n + e.tokens, 0);
  const minutes = interval ? (interval.end - interval.start) / 60_000 : 0;
  const span = inside.length > 1 ? (inside.at(-1)!.at - inside[0]!.at) / 1000 : undefined;
  return {
    tpm: llm.tpm,
    latencyMs: llm.latencyMs,
    requests: inside.length,
    answered: answered.length,
    throttled: inside.length - answered.length,
    tokens,
    limitShare: minutes > 0 ? tokens / (llm.tpm * minutes) : undefined,
    throttledShare: inside.length > 0 ? (inside.length - answered.length) / inside.length : undefined,
    requestSpanSeconds: span,
    limitShareOverRequestSpan: span ? tokens / ((llm.tpm * span) / 60) : undefined,
    throttledAtSeconds: interval ? inside.filter((e) => e.status === 429).map((e) => Math.round((e.at - interval.start) / 100) / 10) : [],
  };
}
