import OpenAI from 'openai';
import { LlmEndpointError } from '../errors.ts';

/**
 * What a failed chat request means for the extraction, decided here and
 * nowhere else (openai-extractor.ts acts on it):
 *
 * - `fatal`: retrying cannot help and no review is to blame: a bad key (401,
 *   403) or a model the endpoint does not have (404). The run fails at once.
 * - `transient`: rate limits (429), timeouts (408), conflicts (409), server
 *   errors (5xx), timeouts and connection errors: retried within the retry
 *   budget, honouring retry-after.
 * - `refused`: the endpoint refused this request (400, 413, 422, ...), or
 *   answered something that is not a chat completion. Some review in it may be
 *   the reason (a content filter, a context limit), so it counts as a failed
 *   reply for each review of the batch: retried per review, in halves, up to
 *   PERSONAFLOW_LLM_MAX_ATTEMPTS, then stored as failed.
 *
 * Messages never carry the endpoint's own text: servers echo the API key or
 * the request (review text) into it. Status, error type and code are enough
 * to act on.
 */
export type RequestFailure =
  | { kind: 'fatal'; error: LlmEndpointError }
  | { kind: 'transient'; reason: string; retryAfterMs?: number }
  | { kind: 'refused'; reason: string };

export function classifyRequestFailure(error: unknown, endpoint: { baseURL: string; model: string }): RequestFailure {
  if (error instanceof OpenAI.APIConnectionError) {
    return { kind: 'transient', reason: error instanceof OpenAI.APIConnectionTimeoutError ? 'request timed out' : 'connection failed' };
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    const what = describeStatus(error);
    if (status === 401 || status === 403) {
      return {
        kind: 'fatal',
        error: new LlmEndpointError(
          `the LLM endpoint ${endpoint.baseURL} refused the API key (${what}): check OPENAI_API_KEY`,
          { status, kind: 'auth' },
          true,
        ),
      };
    }
    if (status === 404) {
      return {
        kind: 'fatal',
        error: new LlmEndpointError(
          `the LLM endpoint ${endpoint.baseURL} has no model "${endpoint.model}" (${what}): ` +
            'check PERSONAFLOW_LLM_MODEL and OPENAI_BASE_URL (it should end in /v1)',
          { status, kind: 'model' },
          true,
        ),
      };
    }
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return { kind: 'transient', reason: what, retryAfterMs: retryAfterMs(error.headers) };
    }
    return { kind: 'refused', reason: `request refused (${what})` };
  }
  // The reply's body could not be read as JSON (cut off mid-way): a broken reply, not an outage.
  if (error instanceof SyntaxError) return { kind: 'refused', reason: 'reply body is not valid JSON' };
  return { kind: 'transient', reason: error instanceof Error ? error.name : 'unknown error' };
}

/** "429 rate_limit_exceeded", "400 invalid_request_error, code context_length_exceeded": no server text. */
function describeStatus(error: InstanceType<typeof OpenAI.APIError>): string {
  const type = typeof error.type === 'string' ? error.type : undefined;
  const code = typeof error.code === 'string' ? error.code : undefined;
  let text = String(error.status);
  if (type) text += ` ${safeToken(type)}`;
  if (code && code !== type) text += `, code ${safeToken(code)}`;
  return text;
}

/** Error types and codes are identifiers; anything else (a server putting text there) is cut. */
function safeToken(value: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : '(unrecognised)';
}

/** retry-after-ms, else retry-after in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
