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
