/**
 * personaflow's own errors. Each carries structured fields so the CLI can print
 * one helpful line and activities can tell Temporal which ones are not worth a
 * retry (bad input and bad configuration never get better by retrying).
 */
export class PersonaflowError extends Error {
  /** True when retrying cannot help: bad input, bad configuration. */
  readonly nonRetryable: boolean = false;
  override name = 'PersonaflowError';
}

/** A source file or folder the data contract cannot accept. */
export class SourceError extends PersonaflowError {
  override readonly nonRetryable = true;
  override name = 'SourceError';
  constructor(
    message: string,
    readonly details: { table: string; file?: string; column?: string },
  ) {
    super(message);
  }
}

/** Too many rows of one table broke the contract's rules. */
export class RejectLimitError extends PersonaflowError {
  override readonly nonRetryable = true;
  override name = 'RejectLimitError';
  constructor(
    message: string,
    readonly details: { table: string; rejected: number; total: number; limit: number },
  ) {
    super(message);
  }
}

/** Configuration that cannot work (unknown provider, missing model file, ...). */
export class ConfigError extends PersonaflowError {
  override readonly nonRetryable = true;
  override name = 'ConfigError';
}

/** The store (DuckLake catalog or data path) cannot be reached or opened. */
export class StoreUnavailableError extends PersonaflowError {
  override name = 'StoreUnavailableError';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/** A workflow input that cannot work (from the Temporal UI, a schedule, or a client that skipped the CLI's checks). */
export class InputError extends PersonaflowError {
  override readonly nonRetryable = true;
  override name = 'InputError';
  constructor(
    message: string,
    readonly details: { field: string },
  ) {
    super(message);
  }
}

/** Too many reviews failed extraction: publishing would give their customers empty review features. */
export class ExtractFailureLimitError extends PersonaflowError {
  override readonly nonRetryable = true;
  override name = 'ExtractFailureLimitError';
  constructor(
    message: string,
    readonly details: { failed: number; reviews: number; limit: number },
  ) {
    super(message);
  }
}

/**
 * The LLM endpoint refused or failed a request in a way the extractor does not
 * handle per review: a bad key, a missing model, or an outage longer than the
 * retry budget. The message says what to fix and never carries the endpoint's
 * own text (it may echo the key or review text).
 */
export class LlmEndpointError extends PersonaflowError {
  override readonly nonRetryable: boolean;
  override name = 'LlmEndpointError';
  constructor(
    message: string,
    readonly details: { status?: number; kind: 'auth' | 'model' | 'unavailable' | 'refused' },
    nonRetryable: boolean,
  ) {
    super(message);
    this.nonRetryable = nonRetryable;
  }
}

/** A run would replace the current version with a much emptier one; `force` lets it through. */
export class ShrinkGuardError extends PersonaflowError {
  override readonly nonRetryable = true;
  override name = 'ShrinkGuardError';
  constructor(
    message: string,
    readonly details: { reasons: string[] },
  ) {
    super(message);
  }
}
