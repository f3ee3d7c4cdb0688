import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { PersonaflowError } from './errors.ts';
import { redactPII } from './llm/redact.ts';

/**
 * The one place that decides how an activity's error reaches Temporal.
 * createActivities applies it once to every activity, so no stage classifies
 * failures by hand:
 *
 * - our errors (errors.ts) keep their class name as the failure type and are
 *   non-retryable when they say so (bad input, bad configuration, a limit);
 * - anything else is retryable (a lock, a crash, a bug that may be transient);
 * - cancellation passes through untouched, so Temporal records a cancel.
 *
 * Every message is redacted (e-mails, phone numbers, card numbers, URLs) and
 * capped before it leaves the worker: it lands in Temporal history, in
 * runs.error and on the console, and an endpoint or a database may have
 * echoed customer text into it. The original error is not attached as the
 * cause for the same reason; its stack frames (file paths only) are kept.
 */

/** Longest message sent to Temporal; longer ones are cut with a note. */
export const MAX_FAILURE_MESSAGE = 1_000;

export function safeErrorText(text: string, max = MAX_FAILURE_MESSAGE): string {
  // Control characters (a NUL from a binary file, terminal escapes) do not belong in a log line.
  const clean = redactPII(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
  return clean.length <= max ? clean : `${clean.slice(0, max)}… (${clean.length - max} more characters cut)`;
}

export function toActivityFailure(error: unknown): unknown {
  if (error instanceof CancelledFailure || cancelled()) return error;
  if (error instanceof ApplicationFailure) {
    return withFrames(
      ApplicationFailure.create({
        message: safeErrorText(error.message),
        type: error.type ?? undefined,
        nonRetryable: error.nonRetryable ?? false,
        details: error.details ?? undefined,
      }),
      error,
    );
  }
  if (error instanceof PersonaflowError) {
    const details = 'details' in error ? [error.details] : [];
    return withFrames(
      ApplicationFailure.create({ message: safeErrorText(error.message), type: error.name, nonRetryable: error.nonRetryable, details }),
      error,
    );
  }
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return withFrames(ApplicationFailure.create({ message: safeErrorText(message), type: name, nonRetryable: false }), error);
}

/** Wraps every activity of a record once (createActivities does this). */
export function withFailureBoundary<T extends Record<string, (...args: any[]) => Promise<unknown>>>(activities: T): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = {
      // A named function, so stack traces and the SDK see the activity's own name.
      [name]: async (...args: unknown[]) => {
        try {
          return await activity(...args);
        } catch (error) {
          throw toActivityFailure(error);
        }
      },
    }[name];
  }
  return wrapped as T;
}

function cancelled(): boolean {
  try {
    return Context.current().cancellationSignal.aborted;
  } catch {
    return false; // called outside an activity (tests)
  }
}

/** The failure's stack: its own redacted first line, then the original's frames (paths only, no text). */
function withFrames(failure: ApplicationFailure, original: unknown): ApplicationFailure {
  const stack = original instanceof Error ? original.stack : undefined;
  const frames = stack?.split('\n').filter((line) => /^\s+at /.test(line)) ?? [];
  failure.stack = [`${failure.name}: ${failure.message}`, ...frames].join('\n');
  return failure;
}
