import type { WorkflowHandle } from '@temporalio/client';
import type { ProfileRunResult, RunProgress, Stage } from '../workflows/types.ts';
import { progressQuery } from '../workflows/index.ts';

/**
 * Waits for a profileRun, printing each stage as it starts and as it finishes
 * (with its time and counts), by polling the workflow's `progress` query.
 */
export async function followRun(
  handle: WorkflowHandle,
  log: (line: string) => void,
  pollMs = 500,
): Promise<ProfileRunResult> {
  const started = Date.now();
  const announced = new Set<Stage>();
  const reported = new Set<Stage>();
  const report = (p: RunProgress) => {
    for (const stage of p.stagesDone) {
      if (reported.has(stage)) continue;
      reported.add(stage);
      log(`  ✓ ${stage} ${p.stageSeconds[stage]?.toFixed(1) ?? '?'} s ${describeCounts(p, stage)}`.trimEnd());
    }
    if (!announced.has(p.stage) && !reported.has(p.stage) && p.stage !== 'done' && p.stage !== 'failed') {
      announced.add(p.stage);
      if (p.stage !== 'starting') log(`  ▶ ${p.stage}…`);
    }
  };
  const poll = setInterval(() => {
    handle.query(progressQuery).then(report, () => undefined); // not started yet: the next poll sees it
  }, pollMs);
  try {
    const result = (await handle.result()) as ProfileRunResult;
    clearInterval(poll);
    await handle.query(progressQuery).then(report, () => undefined);
    log(`run finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } finally {
    clearInterval(poll);
  }
}

const STAGE_COUNTS: Partial<Record<Stage, string[]>> = {
  load: ['customers_loaded', 'orders_loaded', 'sessions_loaded', 'reviews_loaded', 'orders_rejected', 'sessions_rejected', 'reviews_rejected'],
  extract: ['reviews_extracted', 'review_cache_hits'],
  features: ['customers'],
  train: ['segments'],
  publish: ['version'],
};

function describeCounts(p: RunProgress, stage: Stage): string {
  const parts = (STAGE_COUNTS[stage] ?? []).filter((k) => p.counts[k] !== undefined).map((k) => `${k}=${p.counts[k]}`);
  return parts.length ? `(${parts.join(', ')})` : '';
}
