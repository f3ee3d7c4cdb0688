import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ProfileRunResult, RunProgress, Stage } from '../workflows/types.ts';
import { extractProgressQuery, progressQuery } from '../workflows/index.ts';

/** Review extraction while it runs: items done of the total, the rate and the time left. */
export interface ExtractionProgress {
  done: number;
  total: number;
  cacheHits: number;
  /** Reviews per second since the extraction (this execution of it) started; null before the first is done. */
  perSecond: number | null;
  /** Seconds left at that rate; null when unknown. */
  etaSeconds: number | null;
}

/**
 * Asks the extract child workflow of a running profileRun how far it is:
 * finished ranges from its `extractProgress` query, ranges in flight from
 * their last heartbeat (`{ done, total }`; Temporal forwards heartbeats at
 * most every ~48 s, so in-flight counts lag on long ranges).
 */
export async function extractionProgress(client: Client, parent: WorkflowHandle): Promise<ExtractionProgress | undefined> {
  const described = await parent.describe();
  const childId = described.raw.pendingChildren?.find((c) => c.workflowId?.includes('/extract/'))?.workflowId;
  if (!childId) return undefined;
  const child = client.workflow.getHandle(childId);
  const [p, childDescription] = await Promise.all([child.query(extractProgressQuery), child.describe()]);
  if (!p) return undefined; // still planning
  let inFlight = 0;
  for (const activity of childDescription.raw.pendingActivities ?? []) {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (!payload) continue;
    const beat = defaultPayloadConverter.fromPayload<{ done?: number } | undefined>(payload);
    if (typeof beat?.done === 'number') inFlight += beat.done;
  }
  const done = Math.min(p.pending, p.settled + inFlight);
  const seconds = (Date.now() - childDescription.startTime.getTime()) / 1000;
  const perSecond = done > 0 && seconds > 0 ? done / seconds : null;
  return {
    done,
    total: p.pending,
    cacheHits: p.cacheHits,
    perSecond,
    etaSeconds: perSecond ? (p.pending - done) / perSecond : null,
  };
}

export function formatExtraction(x: ExtractionProgress): string {
  const rate = x.perSecond === null ? 'rate not known yet' : `${x.perSecond.toFixed(1)} reviews/s`;
  const eta = x.etaSeconds === null ? '' : `, about ${formatSeconds(x.etaSeconds)} left`;
  return `extract: ${x.done} of ${x.total} reviews (${x.cacheHits} more from cache), ${rate}${eta}`;
}

function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** `personaflow status` of a running profileRun, as lines. */
export function describeProgress(p: RunProgress, extraction?: ExtractionProgress): string[] {
  const lines = [`as of ${p.asOf}; stage ${p.stage}`];
  for (const stage of p.stagesDone) lines.push(`  ✓ ${stage} ${p.stageSeconds[stage]?.toFixed(1) ?? '?'} s ${describeCounts(p, stage)}`.trimEnd());
  if (extraction) lines.push(`  ▶ ${formatExtraction(extraction)}`);
  else if (!p.stagesDone.includes(p.stage) && p.stage !== 'starting') lines.push(`  ▶ ${p.stage}…`);
  return lines;
}

/**
 * Waits for a profileRun, printing each stage as it starts and as it finishes
 * (with its time and counts), by polling the workflow's `progress` query;
 * during extraction, the reviews done of the total, the rate and the ETA
 * every few seconds.
 */
export async function followRun(
  client: Client,
  handle: WorkflowHandle,
  log: (line: string) => void,
  pollMs = 500,
  extractionEveryMs = 5_000,
): Promise<ProfileRunResult> {
  const started = Date.now();
  const announced = new Set<Stage>();
  const reported = new Set<Stage>();
  let lastExtraction = 0;
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
  const poll = async () => {
    const p = await handle.query(progressQuery);
    report(p);
    if (p.stage === 'extract' && Date.now() - lastExtraction >= extractionEveryMs) {
      lastExtraction = Date.now();
      const x = await extractionProgress(client, handle);
      if (x && x.total > 0) log(`    ${formatExtraction(x)}`);
    }
  };
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    poll()
      .catch(() => undefined) // not started yet, or between stages: the next poll sees it
      .finally(() => (polling = false));
  }, pollMs);
  try {
    const result = (await handle.result()) as ProfileRunResult;
    clearInterval(timer);
    await handle.query(progressQuery).then(report, () => undefined);
    log(`run finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } finally {
    clearInterval(timer);
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
