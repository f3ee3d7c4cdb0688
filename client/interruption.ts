import { InterruptedError } from './cli-errors.ts';

/**
 * While a command waits on a run, SIGINT or SIGTERM ends the wait at once with
 * an InterruptedError (exit 130 or 143) that says what becomes of the run:
 * Temporal keeps it, and any worker on the queue carries it on (an activity
 * this process was running is retried elsewhere once its heartbeat times
 * out). Without this, the Temporal SDK's own signal handling stopped the
 * in-process worker and the command hung or failed with an unrelated error.
 */
export function interruptionOf(describeRun: () => string): {
  interrupted: Promise<never>;
  /** The signal that ended the wait, if one did. */
  received(): 'SIGINT' | 'SIGTERM' | undefined;
  dispose(): void;
} {
  let received: 'SIGINT' | 'SIGTERM' | undefined;
  let fail: (error: InterruptedError) => void = () => undefined;
  const interrupted = new Promise<never>((_, reject) => {
    fail = reject;
  });
  interrupted.catch(() => undefined); // observed by the caller's race; never unhandled
  const on = (signal: 'SIGINT' | 'SIGTERM') => () => {
    received = signal;
    fail(new InterruptedError(`stopped by ${signal}: ${describeRun()}`, signal));
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return {
    interrupted,
    received: () => received,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
