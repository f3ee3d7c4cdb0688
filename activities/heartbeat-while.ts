import { Context } from '@temporalio/activity';

/**
 * Heartbeats every `everyMs` while `work` runs. For activities whose work is
 * one long DuckDB call (the event loop stays free): with a heartbeat timeout
 * on the proxy, Temporal notices a dead worker within that timeout and retries
 * elsewhere, instead of waiting for the whole start-to-close timeout.
 * Outside an activity (unit tests calling the function directly) it just runs work.
 */
export async function heartbeatWhile<T>(work: () => Promise<T>, everyMs = 2_000): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
