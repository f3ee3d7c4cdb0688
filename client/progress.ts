import type { WorkflowHandle } from '@temporalio/client';
import type { ProfileRunResult, RunProgress } from '../workflows/types.ts';
import { progressQuery } from '../workflows/index.ts';

/**
 * Waits for a profileRun, printing each stage as it starts and the counts the
 * workflow reports, by polling its `progress` query.
 */
export async function followRun(
  handle: WorkflowHandle,
  log: (line: string) => void,
  pollMs = 500,
): Promise<ProfileRunResult> {
  const started = Date.now();
  let lastStage = '';
  let stageStarted = started;
  const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
  const poll = setInterval(() => {
    handle
      .query<RunProgress>(progressQuery)
      .then((p) => {
        if (p.stage === lastStage) return;
        if (lastStage) log(`  ${lastStage} done in ${seconds(stageStarted)} s ${describeCounts(p, lastStage)}`);
        lastStage = p.stage;
        stageStarted = Date.now();
        if (p.stage !== 'done' && p.stage !== 'failed') log(`▶ ${p.stage} (as of ${p.asOf})`);
      })
      .catch(() => undefined); // not started yet, or finished: the result settles it
  }, pollMs);
  try {
    const result = (await handle.result()) as ProfileRunResult;
    if (lastStage && lastStage !== 'done') log(`  ${lastStage} done in ${seconds(stageStarted)} s`);
    log(`run finished in ${seconds(started)} s`);
    return result;
  } finally {
    clearInterval(poll);
  }
}

function describeCounts(p: RunProgress, stage: string): string {
  const keys: Record<string, string[]> = {
    load: ['customers_loaded', 'orders_loaded', 'sessions_loaded', 'reviews_loaded', 'orders_rejected', 'sessions_rejected', 'reviews_rejected'],
    extract: ['reviews_extracted', 'review_cache_hits'],
    features: ['customers'],
    train: ['segments'],
    publish: ['version'],
  };
  const parts = (keys[stage] ?? []).filter((k) => p.counts[k] !== undefined).map((k) => `${k}=${p.counts[k]}`);
  return parts.length ? `(${parts.join(', ')})` : '';
}
