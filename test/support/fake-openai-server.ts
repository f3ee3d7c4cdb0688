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
 */

export interface FakeOpenAIOptions {
  /** Delay before every reply, in ms. */
  latencyMs?: number;
  /** retry-after-ms sent with 429 replies (small, so client retries are quick). */
  retryAfterMs?: number;
  /** When set, a request with another bearer token gets a 401 that echoes the token back, as some servers do. */
  apiKey?: string;
}

export interface FakeScript {
  /** Fail the next `count` chat requests with this status before answering normally again. */
  fail?: { count: number; status: 429 | 500 | 503 | 401 };
  /** Replaces the delay before every reply, in ms. */
  latencyMs?: number;
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
  setScript(script: FakeScript): void;
  close(): Promise<void>;
}

const RATE_LIMIT_REQUESTS = 500;
const RATE_LIMIT_TOKENS = 200_000;

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: ReceivedRequest[] = [];
  let failLeft = 0;
  let failStatus = 500;
  let latencyMs = options.latencyMs ?? 0;
  const seenSystemPrompts = new Set<string>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });

      const respond = (): void => {
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          return sendJson(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
        }
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        if (options.apiKey !== undefined && token !== options.apiKey) return sendUnauthorized(res, token);
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
        answerChat(res, body, requests.length, seenSystemPrompts);
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
    setScript(script) {
      if (script.fail) {
        failLeft = script.fail.count;
        failStatus = script.fail.status;
      }
      if (script.latencyMs !== undefined) latencyMs = script.latencyMs;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function answerChat(res: ServerResponse, body: any, requestNumber: number, seenSystemPrompts: Set<string>): void {
  const messages: Array<{ role: string; content: string }> = Array.isArray(body?.messages) ? body.messages : [];
  const user = [...messages].reverse().find((m) => m.role === 'user');
  let reviews: Array<{ id: string; text: string }>;
  try {
    reviews = JSON.parse(user?.content ?? '');
    if (!Array.isArray(reviews)) throw new Error('not an array');
  } catch {
    return sendJson(res, 400, { error: { message: 'user message is not a JSON array of reviews', type: 'invalid_request_error' } });
  }

  const results: unknown[] = [];
  for (const review of reviews) {
    const text = String(review.text);
    if (text.includes('<<drop>>')) continue;
    const item = { id: text.includes('<<wrongid>>') ? `${review.id}-other` : review.id, ...fakeFeatures(text) };
    if (text.includes('<<badfield>>')) item.sentiment_score = 7;
    results.push(item);
    if (text.includes('<<dup>>')) results.push(item);
  }
  let content = JSON.stringify({ results });
  // A reply cut off mid-way, as when a model runs out of tokens.
  const malformed = reviews.some((review) => String(review.text).includes('<<malformed>>'));
  if (malformed) content = content.slice(0, Math.floor(content.length / 2));

  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  const promptChars = messages.reduce((n, m) => n + String(m.content).length, 0);
  // Prompt caching as OpenAI reports it: a repeated prefix (here, the system prompt) is cached.
  const cached = seenSystemPrompts.has(system) ? Math.floor(system.length / 4) : 0;
  seenSystemPrompts.add(system);
  const promptTokens = Math.ceil(promptChars / 4);
  const completionTokens = Math.ceil(content.length / 4);

  sendJson(
    res,
    200,
    {
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
    rateLimitHeaders(requestNumber, promptTokens + completionTokens),
  );
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
