import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Our own OpenAI-compatible chat completions server for tests: no network,
 * deterministic answers derived from the request, and switches for the ways
 * real endpoints misbehave (rate limits, 5xx, latency, broken replies).
 *
 * It expects the batch format of activities/llm/prompt.ts: the last user
 * message is a JSON array of {id, text}; the reply is {"results": [...]}.
 *
 * Per-review triggers (put them in a review's text):
 *   <<malformed>>  the whole reply is cut off mid-JSON
 *   <<drop>>       that review is left out of the reply
 *   <<badfield>>   that review comes back with sentiment_score 7
 *   <<dup>>        that review appears twice in the reply
 *   <<wrongid>>    that review comes back under another id
 *   <<batchfail>>  (Batch API) that line goes to the error file instead of the output
 *
 * Whole-server fault modes (setScript({ mode })), on every chat request until
 * set back to null: see FaultMode.
 *
 * Batch API: POST /v1/files (multipart upload), POST /v1/batches, GET
 * /v1/batches/:id (in_progress on the first look, completed after), GET
 * /v1/files/:id/content. A job whose every line fails completes with no
 * output file, as OpenAI's do.
 */

export interface FakeOpenAIOptions {
  /** Delay before every reply, in ms. */
  latencyMs?: number;
  /** retry-after-ms sent with 429 replies (small, so client retries are quick). */
  retryAfterMs?: number;
  /** When set, a request with another bearer token gets a 401 that echoes the token back, as some servers do. */
  apiKey?: string;
  /**
   * Enforce OpenAI-style limits: two buckets (requests, tokens) holding a
   * minute's worth, refilled continuously, charged when a request arrives
   * (prompt plus completion tokens). Over either, the reply is a 429 with
   * retry-after-ms (the time until it would fit). Every reply carries the
   * real x-ratelimit-* headers. Without this, fixed generous headers are sent.
   */
  limits?: FakeLimits;
  /** Told of every chat request the limits judged (answered or 429), when it was judged: a bench times them against its stages. */
  onLimitedChat?: (event: LimitedChatEvent) => void;
}

export interface LimitedChatEvent {
  /** Date.now() when the request was admitted or refused. */
  at: number;
  status: 200 | 429;
  /** Prompt + completion tokens charged (0 for a 429). */
  tokens: number;
}

export interface FakeLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
  /** How long this server's "minute" lasts (default 60,000 ms); tests shorten it, the reset headers tell. */
  minuteMs?: number;
  /** Share of the buckets full at start (default 1); the benchmark starts empty to measure steady pacing. */
  initialFill?: number;
  /**
   * When the buckets start at initialFill and begin to refill: at server start
   * (default) or at the first chat request, for a bench whose clients only
   * start sending after a long earlier stage (the buckets would be full by then).
   */
  fillFrom?: 'start' | 'firstRequest';
}

/** What the server admitted and refused (for the benchmark and tests). */
export interface FakeStats {
  /** Chat requests answered 200. */
  answered: number;
  /** Chat requests answered 429 by the limits (not by a script). */
  throttled: number;
  /** Prompt + completion tokens of the answered requests. */
  tokens: number;
}

/**
 * How every chat reply goes wrong, as real endpoints do:
 * - truncated: the reply's content cut in half (finish_reason length)
 * - malformed: the content is prose, not JSON
 * - wrongIds: every item comes back under another id
 * - missingItems: an empty results array
 * - html200: a proxy's HTML error page with status 200
 * - notFoundModel: 404 model_not_found, as OpenAI answers for an unknown model
 * - echo400: 400 whose message quotes the request's review text back
 * - unauthorized: 401 echoing the bearer token
 */
export type FaultMode = 'truncated' | 'malformed' | 'wrongIds' | 'missingItems' | 'html200' | 'notFoundModel' | 'echo400' | 'unauthorized';

export interface FakeScript {
  /** Fail the next `count` chat requests with this status before answering normally again (a storm: a large count). */
  fail?: { count: number; status: 429 | 500 | 502 | 503 | 401 };
  /** A fault on every chat request from now on; null switches it off. */
  mode?: FaultMode | null;
  /** Replaces the delay before every reply, in ms. */
  latencyMs?: number;
  /** Batch jobs created from now on end with this status instead of completing (e.g. 'expired'). */
  batchOutcome?: 'completed' | 'expired' | 'failed';
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: any;
}

export interface FakeOpenAI {
  /** e.g. http://127.0.0.1:54321/v1, ready for `new OpenAI({ baseURL })`. */
  baseURL: string;
  /** Every request received, in order, including the ones answered with an error. */
  requests: ReceivedRequest[];
  stats: FakeStats;
  setScript(script: FakeScript): void;
  close(): Promise<void>;
}

const RATE_LIMIT_REQUESTS = 500;
const RATE_LIMIT_TOKENS = 200_000;

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: ReceivedRequest[] = [];
  let failLeft = 0;
  let failStatus = 500;
  let mode: FaultMode | null = null;
  let latencyMs = options.latencyMs ?? 0;
  const seenSystemPrompts = new Set<string>();
  const stats: FakeStats = { answered: 0, throttled: 0, tokens: 0 };
  const buckets = options.limits ? createBuckets(options.limits) : undefined;
  const files = new Map<string, string>();
  const batches = new Map<string, { job: Record<string, unknown>; looks: number; finalStatus: string }>();
  let batchOutcome: 'completed' | 'expired' | 'failed' = 'completed';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (req.url?.startsWith('/v1/files') || req.url?.startsWith('/v1/batches')) {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: undefined });
        return answerBatchApi(req.method ?? '', req.url, req.headers, raw, res, { files, batches, batchOutcome, seenSystemPrompts });
      }
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });

      // Limits are charged on arrival, as a real server admits a request before it generates.
      if (buckets && req.method === 'POST' && req.url === '/v1/chat/completions' && failLeft === 0) {
        const reply = buildChatReply(body, requests.length, seenSystemPrompts);
        if ('error' in reply) return sendJson(res, 400, reply.error);
        const cost = reply.json.usage.total_tokens;
        const admitted = buckets.admit(cost);
        options.onLimitedChat?.({ at: Date.now(), status: admitted.ok ? 200 : 429, tokens: admitted.ok ? cost : 0 });
        if (!admitted.ok) {
          stats.throttled += 1;
          return sendJson(
            res,
            429,
            { error: { message: `Rate limit reached for ${admitted.kind}`, type: admitted.kind, code: 'rate_limit_exceeded' } },
            { 'retry-after-ms': String(admitted.retryAfterMs), ...buckets.headers() },
          );
        }
        stats.answered += 1;
        stats.tokens += cost;
        const headers = buckets.headers();
        const send = (): void => sendJson(res, 200, reply.json, headers);
        if (latencyMs > 0) setTimeout(send, latencyMs);
        else send();
        return;
      }

      const respond = (): void => {
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          return sendJson(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
        }
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        if (options.apiKey !== undefined && token !== options.apiKey) return sendUnauthorized(res, token);
        if (mode === 'unauthorized') return sendUnauthorized(res, token);
        if (mode === 'notFoundModel') {
          return sendJson(res, 404, {
            error: { message: `The model \`${body?.model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', code: 'model_not_found' },
          });
        }
        if (mode === 'echo400') {
          const user = [...(body?.messages ?? [])].reverse().find((m: { role: string }) => m.role === 'user');
          return sendJson(res, 400, {
            error: { message: `Invalid content in messages[1]: ${user?.content ?? ''}`, type: 'invalid_request_error', code: 'invalid_value', param: 'messages' },
          });
        }
        if (mode === 'html200') {
          const page = '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';
          res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) });
          res.end(page);
          return;
        }
        if (failLeft > 0) {
          failLeft -= 1;
          if (failStatus === 401) return sendUnauthorized(res, token);
          if (failStatus === 429) {
            return sendJson(
              res,
              429,
              { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } },
              { 'retry-after-ms': String(options.retryAfterMs ?? 50), ...rateLimitHeaders(requests.length, 0) },
            );
          }
          return sendJson(res, failStatus, { error: { message: 'The server had an error while processing your request.', type: 'server_error' } });
        }
        const reply = buildChatReply(body, requests.length, seenSystemPrompts, mode);
        if ('error' in reply) return sendJson(res, 400, reply.error);
        stats.answered += 1;
        stats.tokens += reply.json.usage.total_tokens;
        sendJson(res, 200, reply.json, rateLimitHeaders(requests.length, reply.json.usage.total_tokens));
      };
      if (latencyMs > 0) setTimeout(respond, latencyMs);
      else respond();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    stats,
    setScript(script) {
      if (script.fail) {
        failLeft = script.fail.count;
        failStatus = script.fail.status;
      }
      if (script.latencyMs !== undefined) latencyMs = script.latencyMs;
      if (script.mode !== undefined) mode = script.mode;
      if (script.batchOutcome !== undefined) batchOutcome = script.batchOutcome;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function buildChatReply(
  body: any,
  requestNumber: number,
  seenSystemPrompts: Set<string>,
  mode: FaultMode | null = null,
): { json: any } | { error: unknown } {
  const messages: Array<{ role: string; content: string }> = Array.isArray(body?.messages) ? body.messages : [];
  const user = [...messages].reverse().find((m) => m.role === 'user');
  let reviews: Array<{ id: string; text: string }>;
  try {
    reviews = JSON.parse(user?.content ?? '');
    if (!Array.isArray(reviews)) throw new Error('not an array');
  } catch {
    return { error: { error: { message: 'user message is not a JSON array of reviews', type: 'invalid_request_error' } } };
  }

  const results: unknown[] = [];
  for (const review of reviews) {
    const text = String(review.text);
    if (text.includes('<<drop>>')) continue;
    if (mode === 'missingItems') continue;
    const wrongId = mode === 'wrongIds' || text.includes('<<wrongid>>');
    const item = { id: wrongId ? `${review.id}-other` : review.id, ...fakeFeatures(text) };
    if (text.includes('<<badfield>>')) item.sentiment_score = 7;
    results.push(item);
    if (text.includes('<<dup>>')) results.push(item);
  }
  let content = JSON.stringify({ results });
  // A reply cut off mid-way, as when a model runs out of tokens.
  const malformed = mode === 'truncated' || reviews.some((review) => String(review.text).includes('<<malformed>>'));
  if (malformed) content = content.slice(0, Math.floor(content.length / 2));
  if (mode === 'malformed') content = `Sure! Here are the features you asked for: ${content}`;

  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  const promptChars = messages.reduce((n, m) => n + String(m.content).length, 0);
  // Prompt caching as OpenAI reports it: a repeated prefix (here, the system prompt) is cached.
  const cached = seenSystemPrompts.has(system) ? Math.floor(system.length / 4) : 0;
  seenSystemPrompts.add(system);
  const promptTokens = Math.ceil(promptChars / 4);
  const completionTokens = Math.ceil(content.length / 4);

  return {
    json: {
      id: `chatcmpl-fake-${requestNumber}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body?.model ?? 'fake-model',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          finish_reason: malformed ? 'length' : 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: cached },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    },
  };
}

/** Requests and tokens buckets, each holding one minute's limit and refilled continuously. */
function createBuckets(limits: FakeLimits) {
  const minute = limits.minuteMs ?? 60_000;
  const state = {
    requests: { limit: limits.requestsPerMinute, level: limits.requestsPerMinute * (limits.initialFill ?? 1) },
    tokens: { limit: limits.tokensPerMinute, level: limits.tokensPerMinute * (limits.initialFill ?? 1) },
  };
  let at = limits.fillFrom === 'firstRequest' ? undefined : Date.now();
  const refill = (): void => {
    const now = Date.now();
    at ??= now; // fillFrom firstRequest: the buckets stand still until now
    for (const b of Object.values(state)) b.level = Math.min(b.limit, b.level + ((now - at) * b.limit) / minute);
    at = now;
  };
  /** "1s", "250ms", "1m30s" as OpenAI writes durations. */
  const duration = (ms: number): string => {
    const whole = Math.ceil(ms);
    if (whole < 1000) return `${whole}ms`;
    const m = Math.floor(whole / 60_000);
    const sec = (whole % 60_000) / 1000;
    return `${m > 0 ? `${m}m` : ''}${sec}s`;
  };
  return {
    admit(tokens: number): { ok: true } | { ok: false; kind: 'requests' | 'tokens'; retryAfterMs: number } {
      refill();
      for (const [kind, need] of [['requests', 1], ['tokens', tokens]] as const) {
        const b = state[kind];
        if (b.level < Math.min(need, b.limit)) {
          return { ok: false, kind, retryAfterMs: Math.ceil(((need - b.level) * minute) / b.limit) };
        }
      }
      state.requests.level -= 1;
      state.tokens.level -= tokens;
      return { ok: true };
    },
    headers(): Record<string, string> {
      refill();
      const out: Record<string, string> = {};
      for (const [kind, b] of Object.entries(state)) {
        out[`x-ratelimit-limit-${kind}`] = String(b.limit);
        out[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, Math.floor(b.level)));
        out[`x-ratelimit-reset-${kind}`] = duration(((b.limit - b.level) * minute) / b.limit);
      }
      return out;
    },
  };
}

/** Deterministic stand-in for a model: a few keyword rules. */
export function fakeFeatures(text: string) {
  const lower = text.toLowerCase();
  const positive = /great|love|excellent|good|perfect|好|喜欢/.test(lower);
  const negative = /terrible|awful|bad|broke|hate|差|坏/.test(lower);
  const score = positive && !negative ? 0.8 : negative && !positive ? -0.8 : 0;
  const topics: string[] = [];
  if (/price|expensive|cheap|贵/.test(lower)) topics.push('price');
  if (/quality|broke|质量/.test(lower)) topics.push('quality');
  if (/deliver|shipping|物流|快递/.test(lower)) topics.push('delivery');
  if (/service|support|客服/.test(lower)) topics.push('customer_service');
  const intent = /buy again|回购/.exec(lower);
  return {
    sentiment_label: score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral',
    sentiment_score: score,
    purchase_intent: intent ? 'high' : 'none',
    intent_cue: intent ? intent[0] : null,
    topics: topics.length > 0 ? topics : ['other'],
    keywords: lower.match(/[a-z]{5,}/g)?.slice(0, 3) ?? [],
    price_sensitive: topics.includes('price'),
    quality_complaint: topics.includes('quality') && negative,
    service_complaint: topics.includes('customer_service') && negative,
    language: /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en',
  };
}

function rateLimitHeaders(requestNumber: number, tokens: number): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': String(RATE_LIMIT_REQUESTS),
    'x-ratelimit-remaining-requests': String(Math.max(0, RATE_LIMIT_REQUESTS - requestNumber)),
    'x-ratelimit-reset-requests': '120ms',
    'x-ratelimit-limit-tokens': String(RATE_LIMIT_TOKENS),
    'x-ratelimit-remaining-tokens': String(Math.max(0, RATE_LIMIT_TOKENS - tokens)),
    'x-ratelimit-reset-tokens': '6ms',
  };
}

function sendUnauthorized(res: ServerResponse, token: string): void {
  sendJson(res, 401, {
    error: { message: `Incorrect API key provided: ${token}.`, type: 'invalid_request_error', code: 'invalid_api_key' },
  });
}

let replyCount = 0;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': `req_fake_${++replyCount}`,
    ...headers,
  });
  res.end(text);
}

interface BatchApiState {
  files: Map<string, string>;
  batches: Map<string, { job: Record<string, unknown>; looks: number; finalStatus: string }>;
  batchOutcome: 'completed' | 'expired' | 'failed';
  seenSystemPrompts: Set<string>;
}

let batchApiIds = 0;

/** Enough of the files and batches endpoints for Batch API mode. */
function answerBatchApi(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  raw: string,
  res: ServerResponse,
  state: BatchApiState,
): void {
  if (method === 'POST' && url === '/v1/files') {
    // multipart/form-data: the "file" part's content, between its headers and the next boundary.
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(String(headers['content-type']))?.slice(1).find(Boolean);
    const part = raw.split(`--${boundary}`).find((p) => /name="file"/.test(p));
    const content = part ? part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '') : '';
    const id = `file-fake-${++batchApiIds}`;
    state.files.set(id, content);
    return sendJson(res, 200, { id, object: 'file', bytes: content.length, created_at: 0, filename: 'reviews.jsonl', purpose: 'batch', status: 'processed' });
  }
  if (method === 'POST' && url === '/v1/batches') {
    const body = JSON.parse(raw) as { input_file_id: string; endpoint: string; completion_window: string };
    const input = state.files.get(body.input_file_id);
    if (input === undefined) return sendJson(res, 404, { error: { message: `no file ${body.input_file_id}`, type: 'invalid_request_error' } });
    const id = `batch_fake_${++batchApiIds}`;
    const job: Record<string, unknown> = {
      id, object: 'batch', endpoint: body.endpoint, completion_window: body.completion_window, input_file_id: body.input_file_id,
      status: 'validating', created_at: 0, output_file_id: null, error_file_id: null, errors: null,
    };
    if (state.batchOutcome === 'completed') {
      const output: string[] = [];
      const errors: string[] = [];
      for (const line of input.split('\n').filter((l) => l.trim())) {
        const item = JSON.parse(line) as { custom_id: string; body: any };
        const text = JSON.stringify(item.body?.messages ?? []);
        if (text.includes('<<batchfail>>')) {
          errors.push(JSON.stringify({ id: `bri_${item.custom_id}`, custom_id: item.custom_id, response: null, error: { code: 'server_error', message: 'line failed' } }));
          continue;
        }
        const reply = buildChatReply(item.body, 0, state.seenSystemPrompts);
        const response = 'error' in reply ? { status_code: 400, body: reply.error } : { status_code: 200, request_id: 'req', body: reply.json };
        output.push(JSON.stringify({ id: `bri_${item.custom_id}`, custom_id: item.custom_id, response, error: null }));
      }
      if (output.length > 0) {
        job.output_file_id = `file-fake-${++batchApiIds}`;
        state.files.set(String(job.output_file_id), `${output.join('\n')}\n`);
      }
      if (errors.length > 0) {
        job.error_file_id = `file-fake-${++batchApiIds}`;
        state.files.set(String(job.error_file_id), `${errors.join('\n')}\n`);
      }
    }
    state.batches.set(id, { job, looks: 0, finalStatus: state.batchOutcome });
    return sendJson(res, 200, job);
  }
  const batchMatch = /^\/v1\/batches\/([^/]+)$/.exec(url);
  if (method === 'GET' && batchMatch) {
    const entry = state.batches.get(batchMatch[1]!);
    if (!entry) return sendJson(res, 404, { error: { message: 'no such batch', type: 'invalid_request_error' } });
    // In progress on the first look, final after: polling is exercised.
    entry.looks += 1;
    entry.job.status = entry.looks === 1 ? 'in_progress' : entry.finalStatus;
    return sendJson(res, 200, entry.job);
  }
  const fileMatch = /^\/v1\/files\/([^/]+)\/content$/.exec(url);
  if (method === 'GET' && fileMatch) {
    const content = state.files.get(fileMatch[1]!);
    if (content === undefined) return sendJson(res, 404, { error: { message: 'no such file', type: 'invalid_request_error' } });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(content) });
    res.end(content);
    return;
  }
  sendJson(res, 404, { error: { message: `no route ${method} ${url}`, type: 'invalid_request_error' } });
}
