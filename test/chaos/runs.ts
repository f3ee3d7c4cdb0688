// Starting a run the way a scheduler or a user does (`personaflow run
// --no-wait`, served by worker processes) and following it through Temporal.
import type { temporal } from '@temporalio/proto';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { AS_OF, type CaseContext, type Store } from './harness.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Starts a run without waiting and returns its workflow id. */
export async function startRun(ctx: CaseContext, store: Store, source: string, env: Record<string, string> = {}): Promise<string> {
  const started = await ctx.cli(store, ['run', '--source', source, '--as-of', AS_OF, '--no-wait', '--json'], env, 120_000);
  if (started.code !== 0) throw new Error(`run --no-wait exited ${started.code}: ${started.stderr.trim()}`);
  return (JSON.parse(started.stdout) as { workflowId: string }).workflowId;
}

/** Waits for the run's end (at most withinMs); a published run's result is kept for the invariants. */
export async function awaitRun(
  ctx: CaseContext,
  store: Store,
  workflowId: string,
  withinMs = 300_000,
): Promise<{ result?: ProfileRunResult; error?: string }> {
  const client = await ctx.client(store.address);
  const handle = client.workflow.getHandle(workflowId);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`run ${workflowId} did not end within ${withinMs / 1000} s`)), withinMs);
  });
  try {
    const result = (await Promise.race([handle.result(), timeout])) as ProfileRunResult;
    store.results.push(result);
    return { result };
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    return { error: `${(error as Error).message}${cause ? `: ${cause.message}` : ''}` };
  } finally {
    clearTimeout(timer);
  }
}

function eventMs(e: HistoryEvent): number {
  const t = e.eventTime!;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/**
 * Seconds from `since` to the first history event after it in any workflow of
 * the store's task queue (the run and its extraction child): how long the run
 * stood still after the worker or the server came back.
 */
export async function secondsToFirstEventAfter(ctx: CaseContext, store: Store, since: number): Promise<number | undefined> {
  const client = await ctx.client(store.address);
  let first: number | undefined;
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${store.taskQueue}'` })) {
    const events = (await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? [];
    const after = events.map(eventMs).find((ms) => ms >= since);
    if (after !== undefined && (first === undefined || after < first)) first = after;
  }
  return first === undefined ? undefined : Math.round((first - since) / 100) / 10;
}
