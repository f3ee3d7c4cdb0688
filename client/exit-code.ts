import { CliError, ExitCode } from './cli-errors.ts';

/**
 * The one place that maps an error to an exit code class and the line the
 * user sees. It recognises errors by name, not by class, so that the CLI's
 * start-up does not load the Temporal SDK, DuckDB or openai just to be able
 * to classify their errors.
 */
export interface ClassifiedError {
  code: ExitCode;
  message: string;
}

/** Activity failures (ApplicationFailure types) that mean bad input or data, not a broken run. */
const DATA_FAILURE_TYPES = new Set(['SourceError', 'RejectLimitError', 'VersionNotAvailableError']);
/** DuckDB's error classes (the message's prefix) that mean the SQL or the data was bad. */
const DUCKDB_DATA_ERRORS = /^(Catalog|Parser|Binder|Conversion|Invalid Input|Constraint|Out of Range|Not implemented|Syntax|Invalid type|Dependency) Error\b/;
/** gRPC status codes of a Temporal frontend that did not answer. */
const GRPC_UNAVAILABLE = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */, 8 /* RESOURCE_EXHAUSTED */]);
const OPENAI_UNAVAILABLE = new Set(['APIConnectionError', 'APIConnectionTimeoutError', 'RateLimitError', 'InternalServerError']);
const OPENAI_CONFIG = new Set(['AuthenticationError', 'PermissionDeniedError', 'NotFoundError']);
const SYSTEM_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOSPC', 'EADDRINUSE']);

type AnyError = Error & { cause?: unknown; type?: string; code?: unknown; nonRetryable?: boolean };

function chain(error: unknown): AnyError[] {
  const out: AnyError[] = [];
  let e: unknown = error;
  while (e instanceof Error && out.length < 20) {
    out.push(e as AnyError);
    e = (e as AnyError).cause;
  }
  return out;
}

/** The innermost message: the activity's own words rather than "Activity task failed". */
function innermostMessage(errors: AnyError[], fallback: unknown): string {
  const last = errors.at(-1);
  return last?.message || String(fallback);
}

export function classifyError(error: unknown): ClassifiedError {
  const errors = chain(error);
  const top = errors[0];
  if (error instanceof CliError) return { code: error.exitCode, message: error.message };
  if (!top) return { code: ExitCode.internal, message: String(error) };
  const message = innermostMessage(errors, error);

  // A run that failed on Temporal: bad data when the failing activity said so.
  if (top.name === 'WorkflowFailedError') {
    const dataFailure = errors.some((e) => e.name === 'ApplicationFailure' && e.type !== undefined && DATA_FAILURE_TYPES.has(e.type));
    return { code: dataFailure ? ExitCode.data : ExitCode.runFailed, message };
  }
  if (top.name === 'WorkflowNotFoundError' || top.name === 'ScheduleNotFoundError') return { code: ExitCode.data, message };

  for (const e of errors) {
    // openai's classes keep the name "Error"; their constructor names tell them apart.
    const kind = e.name === 'Error' ? (e.constructor?.name ?? e.name) : e.name;
    switch (e.name) {
      case 'SourceError':
      case 'RejectLimitError':
        return { code: ExitCode.data, message };
      case 'ConfigError':
        return { code: ExitCode.usage, message };
      case 'StoreUnavailableError':
        return { code: ExitCode.unavailable, message: e.message };
      case 'TransportError':
        return { code: ExitCode.unavailable, message: `Temporal does not answer: ${message}` };
      case 'ServiceError': {
        const grpc = (e.cause as { code?: unknown } | undefined)?.code ?? e.code;
        if (typeof grpc === 'number' && GRPC_UNAVAILABLE.has(grpc)) {
          return { code: ExitCode.unavailable, message: `Temporal does not answer: ${message}` };
        }
        if (grpc === 5 /* NOT_FOUND */) return { code: ExitCode.data, message };
        break;
      }
    }
    if (OPENAI_UNAVAILABLE.has(kind)) return { code: ExitCode.unavailable, message: `the LLM provider does not answer: ${message}` };
    if (OPENAI_CONFIG.has(kind)) return { code: ExitCode.usage, message: `the LLM provider refused the request (check OPENAI_API_KEY, OPENAI_BASE_URL, PERSONAFLOW_LLM_MODEL): ${message}` };
    if (typeof e.code === 'string' && SYSTEM_UNAVAILABLE.has(e.code)) return { code: ExitCode.unavailable, message };
    if (/^IO Error\b/.test(e.message)) return { code: ExitCode.unavailable, message };
    if (DUCKDB_DATA_ERRORS.test(e.message)) return { code: ExitCode.data, message };
  }
  if (top.name === 'PersonaflowError' && top.nonRetryable) return { code: ExitCode.data, message };
  return { code: ExitCode.internal, message };
}
