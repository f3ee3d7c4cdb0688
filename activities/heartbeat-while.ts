import { Context } from '@temporalio/activity';

/** How often the timer beats: well inside the 30 s heartbeat timeouts of the workflows. */
export const HEARTBEAT_EVERY_MS = 2_000;

export interface HeartbeatOptions {
  everyMs?: number;
  /**
   * What each beat carries (read at every beat), for activities whose retry
   * resumes from its heartbeat (the extract range's usage); without it the
   * beats carry nothing.
   */
  details?: () => unknown;
}

/**
 * Heartbeats every `everyMs` while `work` runs. Every activity that can run for
 * more than a few seconds goes through here: its work is mostly one long DuckDB
 * statement or LLM call (the event loop stays free, so the timer fires), and
 * with the 30 s heartbeat timeout on the proxy Temporal notices a dead worker,
 * or a completion lost in a server outage, within that timeout and retries the
 * activity, instead of waiting for the whole start-to-close timeout.
 * CPU-bound JavaScript must yield now and then (train's fits do: model/steps.ts) or the timer
 * cannot fire. Outside an activity (unit tests calling the function directly)
 * it just runs work.
 */
export async function heartbeatWhile<T>(work: () => Promise<T>, options: HeartbeatOptions = {}): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  const beat = options.details ? () => context.heartbeat(options.details!()) : () => context.heartbeat();
  beat();
  const timer = setInterval(beat, options.everyMs ?? HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

type ActivityRecord = Record<string, (...args: any[]) => Promise<unknown>>;

/**
 * Every activity of a record through heartbeatWhile (createActivities applies
 * it once), so no activity can be left without heartbeats. `beatsItself`
 * names those that call heartbeatWhile themselves with details a retry reads:
 * a second, detail-less timer would overwrite them.
 */
export function withHeartbeats<T extends ActivityRecord>(activities: T, beatsItself: ReadonlyArray<keyof T> = []): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = beatsItself.includes(name)
      ? activity
      : // A named function, so stack traces and the SDK see the activity's own name.
        { [name]: (...args: unknown[]) => heartbeatWhile(() => activity(...args)) }[name];
  }
  return wrapped as T;
}
