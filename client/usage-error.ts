import { CliError, ExitCode } from './cli-errors.ts';

/** A mistake in how the command was called: printed without a stack trace, exit code 2. */
export class UsageError extends CliError {
  override readonly exitCode: ExitCode = ExitCode.usage;
  override name = 'UsageError';
}
