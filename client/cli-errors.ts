/**
 * The command line's exit codes, by class, and the errors that carry them.
 * Scripts branch on the class; the message says what to do. The mapping of
 * every other error (SDK, DuckDB, our activities') to a class is in
 * exit-code.ts; main.ts is the only place that exits.
 */
export const ExitCode = {
  ok: 0,
  /** Anything not classified below: a bug (PERSONAFLOW_DEBUG=1 shows the stack). */
  internal: 1,
  /** How the command was called: unknown flag, bad value, bad environment variable. */
  usage: 2,
  /** The input or the data: a source folder breaking the contract, bad SQL, an unknown id or version. */
  data: 3,
  /** A run (a Temporal workflow) failed or was cancelled or terminated. */
  runFailed: 4,
  /** Temporal, the store or the LLM provider cannot be reached or is held by another process. */
  unavailable: 5,
  /** Stopped by SIGINT (Ctrl-C): 128 + 2, as shells report it. */
  interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error of the command line's own, printed as one line without a stack trace. */
export class CliError extends Error {
  readonly exitCode: ExitCode = ExitCode.usage;
  override name = 'CliError';
}

/** The input or the data cannot be used (unknown id, version not published, bad file). */
export class DataError extends CliError {
  override readonly exitCode: ExitCode = ExitCode.data;
  override name = 'DataError';
}

/** A run ended without publishing; `details` says where to read more. */
export class RunFailedError extends CliError {
  override readonly exitCode: ExitCode = ExitCode.runFailed;
  override name = 'RunFailedError';
}

/** A service the command needs does not answer. */
export class UnavailableError extends CliError {
  override readonly exitCode: ExitCode = ExitCode.unavailable;
  override name = 'UnavailableError';
}

/** The command was stopped by a signal while it waited; a run it started goes on without it. */
export class InterruptedError extends CliError {
  override readonly exitCode: ExitCode;
  override name = 'InterruptedError';
  constructor(message: string, readonly signal: 'SIGINT' | 'SIGTERM') {
    super(message);
    this.exitCode = signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
  }
}
