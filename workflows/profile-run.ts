import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { RunPlan } from '../activities/run-plan.ts';
import type { LoadResult } from '../activities/load.ts';
import type { FeaturesResult } from '../activities/features.ts';
import type { TrainResult } from '../activities/train.ts';
import type { ExtractResult } from '../activities/extract.ts';
import type { ProfileRunInput, ProfileRunResult, RunProgress, Stage } from './types.ts';
import { resolveAsOf } from './as-of.ts';
import { extractReviewsWorkflow } from './extract-reviews.ts';
import { HEARTBEAT_TIMEOUT } from './heartbeat-timeout.ts';

export const progressQuery = defineQuery<RunProgress>('progress');

/**
 * Patch of release 0.2: startRun returns a RunPlan, and the workflow decides
 * per stage whether an earlier run's checkpoint supplies it (reuseCheckpoint)
 * or the stage is computed (then recordCheckpoint). Runs started by 0.1 replay
 * the old shape (legacyStages) and finish on the new workers.
 */
export const RUN_PLAN_PATCH = 'run-plan';

/**
 * Patch of release 0.3: once the version is committed, failing to record the
 * publish checkpoint (a disk that filled after the commit) no longer fails
 * the run, so Temporal's status agrees with the published version and with
 * `runs` (issue 10 item 4). The checkpoint of a publish is a record only:
 * no later run reuses a publication.
 */
export const PUBLISH_RECORD_PATCH = 'publish-record-best-effort';

// Retry policy per stage, declared where the activities are proxied. Bad input
// and bad configuration fail as non-retryable inside the activities. Every
// activity heartbeats every 2 s (createActivities), so a worker that dies, or
// a completion lost while the server was down, is noticed within the 30 s
// heartbeat timeout and the stage is retried; every stage redoes cleanly
// (staging is per run and replaced, publish finds its committed version).
const { startRun, reuseCheckpoint, recordCheckpoint } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});
// Recording a failure must outlast the fault that caused it: on a full disk
// five quick attempts gave up and left the run 'running' in `runs` while
// Temporal said failed (npm run chaos, "full disk"). Retried at most once a
// minute until the store takes it; until then the run is running in both.
// (Retry options are not part of replay: no patch needed.)
const { markRunFailed } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '1 day',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
const { buildFeatures } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});
// The retry finds the committed version (run id is the key).
const { publishVersion } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});
const { loadSources } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});
const { trainSegments } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

interface StageOutputs {
  load: LoadResult;
  extraction: ExtractResult;
  features: FeaturesResult;
  model: TrainResult;
  reusedStages: string[];
  /** The plan's inputs fingerprint (null: no checkpoints; legacy runs: undefined). */
  fingerprint?: string | null;
}

/** Builds and publishes one version of customer profiles as of a point in time. */
export async function profileRun(input: ProfileRunInput): Promise<ProfileRunResult> {
  if (!input || typeof input.source !== 'string' || input.source === '') {
    throw ApplicationFailure.nonRetryable('profileRun needs {"source": "<folder with the source tables>"}', 'InvalidInput');
  }
  const { workflowId, runId } = workflowInfo();
  const asOf = resolveAsOf(input.asOf);
  const progress: RunProgress = { stage: 'starting', stagesDone: [], stageSeconds: {}, asOf, counts: {} };
  setHandler(progressQuery, () => progress);
  const stage = async <T>(name: Stage, work: () => Promise<T>): Promise<T> => {
    progress.stage = name;
    const started = Date.now(); // workflow time: deterministic on replay
    const result = await work();
    progress.stageSeconds[name] = (Date.now() - started) / 1000;
    progress.stagesDone.push(name);
    return result;
  };

  try {
    // Inside the try: a start that fails after writing its row still ends as a failed run.
    // The whole input goes along: startRun checks it against the CLI's schema (workflows/profile-run-input.ts).
    const start = { ...input, runId, workflowId, asOf };
    const out = patched(RUN_PLAN_PATCH)
      ? await plannedStages(input, asOf, await startRun(start), stage, progress)
      : await legacyStages(input, asOf, start, stage, progress);
    const { load, extraction, model } = out;

    const published = await stage('publish', () =>
      publishVersion({
        runId,
        workflowId,
        asOf,
        modelVersion: model.modelVersion,
        metrics: {
          k: model.k, silhouette: model.silhouette, daviesBouldin: model.daviesBouldin, calinskiHarabasz: model.calinskiHarabasz,
          heldOutAccuracy: model.heldOutAccuracy, heldOutMacroF1: model.heldOutMacroF1,
          ...(model.ariVsPrevious !== undefined ? { ariVsPrevious: model.ariVsPrevious } : {}),
        },
        ...(patched(RUN_PLAN_PATCH) ? { reusedStages: out.reusedStages } : {}),
      }),
    );
    if (out.fingerprint) {
      const recorded = recordCheckpoint({ runId, stage: 'publish', fingerprint: out.fingerprint, result: published });
      if (patched(PUBLISH_RECORD_PATCH)) {
        await recorded.catch((error: unknown) =>
          log.warn('version published; its publish checkpoint was not recorded', { runId, version: published.version, error: error instanceof Error ? errorMessage(error) : String(error) }),
        );
      } else {
        await recorded;
      }
    }
    progress.stage = 'done';
    progress.counts.version = published.version;
    return {
      runId,
      workflowId,
      asOf,
      version: published.version,
      modelVersion: model.modelVersion,
      customers: published.customers,
      tables: load.tables,
      extraction,
      k: model.k,
      silhouette: model.silhouette,
      // Models trained before issue 8 (runs in flight across the deploy) carry no kChoice.
      ...(model.kChoice ? { kChoice: { method: model.kChoice.method, reason: model.kChoice.reason, ambiguous: model.kChoice.ambiguous } } : {}),
      segmentation: {
        heldOutMacroF1: model.heldOutMacroF1,
        ...(model.ariVsPrevious !== undefined ? { ariVsPrevious: model.ariVsPrevious } : {}),
        newSegments: model.newSegments,
        vanishedSegments: model.vanishedSegments,
      },
      segments: published.segments,
      reusedStages: published.reusedStages,
    };
  } catch (error) {
    const failedStage = progress.stage;
    progress.stage = 'failed';
    // Non-cancellable: on a cancelled run this scope is cancelled too, and the
    // runs row would otherwise stay 'running' (its staging never pruned).
    const reason = isCancellation(error) ? 'cancelled' : error instanceof Error ? errorMessage(error) : String(error);
    await CancellationScope.nonCancellable(() => markRunFailed({ runId, stage: failedStage, error: reason }));
    throw error;
  }
}

type StageRunner = <T>(name: Stage, work: () => Promise<T>) => Promise<T>;

/**
 * The stages as the plan says: each reusable stage is taken from an earlier
 * run's checkpoint when the plan names one and everything before it was
 * reused too (extraction counts as unchanged when the cache answered every
 * review); otherwise it is computed and its checkpoint recorded.
 */
async function plannedStages(input: ProfileRunInput, asOf: string, plan: RunPlan, stage: StageRunner, progress: RunProgress): Promise<StageOutputs> {
  const { runId, workflowId } = workflowInfo();
  const { fingerprint, settings } = plan;
  const extractor = { extractor: settings.extractor, model: settings.model, promptVersion: settings.promptVersion };
  const reusedStages: string[] = [];
  let upstreamReused = true;
  /** Reuse or compute one stage; `unchanged`: a computed stage that leaves the later checkpoints valid. */
  const reuseOrCompute = async <S extends 'load' | 'features' | 'train'>(
    name: S,
    compute: () => Promise<import('../activities/checkpoints.ts').StageResults[S]>,
  ): Promise<import('../activities/checkpoints.ts').StageResults[S]> => {
    const checkpoint = plan.reusable[name];
    if (fingerprint && checkpoint && upstreamReused) {
      reusedStages.push(name);
      return reuseCheckpoint({ runId, stage: name, fromRun: checkpoint.fromRun, fingerprint });
    }
    upstreamReused = false;
    const result = await compute();
    if (fingerprint) await recordCheckpoint({ runId, stage: name, fingerprint, result });
    return result;
  };

  const load = await stage('load', () =>
    reuseOrCompute('load', () => loadSources({ runId, source: input.source, asOf, maxRejectShare: settings.maxRejectShare })),
  );
  countLoad(progress, load);

  // Extraction is a child workflow (workflows/extract-reviews.ts): it fans out
  // heartbeating range activities on the extraction task queue and continues
  // as new on large backfills; its retry policies are declared there.
  const extraction = await stage('extract', () =>
    executeChild(extractReviewsWorkflow, {
      args: [
        {
          runId,
          batchApi: input.llmBatchApi ? {} : undefined,
          extractor,
          extractTaskQueue: plan.extractTaskQueue,
          maxFailureShare: settings.maxExtractFailureShare,
        },
      ],
      workflowId: `${workflowId}/extract/${runId}`,
    }),
  );
  countExtraction(progress, extraction);
  if (fingerprint) await recordCheckpoint({ runId, stage: 'extract', fingerprint, result: extraction, unchanged: extraction.extracted === 0 });
  if (extraction.extracted > 0) upstreamReused = false; // new review features: the features change

  const features = await stage('features', () => reuseOrCompute('features', () => buildFeatures({ runId, asOf, extractor })));
  progress.counts.customers = features.customers;

  const model = await stage('train', () => reuseOrCompute('train', () => trainSegments({ runId, k: settings.k ?? undefined, clvHorizonDays: settings.clvHorizonDays ?? undefined })));
  progress.counts.segments = model.k;
  return { load, extraction, features, model, reusedStages, fingerprint };
}

/** Release 0.1's shape, for runs it started: reuse was decided inside the activities then. */
async function legacyStages(
  input: ProfileRunInput,
  asOf: string,
  start: Parameters<Activities['startRun']>[0],
  stage: StageRunner,
  progress: RunProgress,
): Promise<StageOutputs> {
  const { runId, workflowId } = workflowInfo();
  await startRun(start);
  const load = await stage('load', () => loadSources({ runId, source: input.source, asOf, maxRejectShare: input.maxRejectShare }));
  countLoad(progress, load);
  const extraction = await stage('extract', () =>
    executeChild(extractReviewsWorkflow, {
      args: [{ runId, batchApi: input.llmBatchApi ? {} : undefined, maxFailureShare: input.maxExtractFailureShare }],
      workflowId: `${workflowId}/extract/${runId}`,
    }),
  );
  countExtraction(progress, extraction);
  const features = await stage('features', () => buildFeatures({ runId, asOf }));
  progress.counts.customers = features.customers;
  const model = await stage('train', () => trainSegments({ runId, k: input.k, clvHorizonDays: input.clvHorizonDays }));
  progress.counts.segments = model.k;
  return { load, extraction, features, model, reusedStages: [] };
}

function countLoad(progress: RunProgress, load: LoadResult): void {
  for (const [table, counts] of Object.entries(load.tables)) {
    if (counts) progress.counts[`${table}_loaded`] = counts.loaded;
    if (counts?.rejected) progress.counts[`${table}_rejected`] = counts.rejected;
  }
}

function countExtraction(progress: RunProgress, extraction: ExtractResult): void {
  progress.counts.reviews_extracted = extraction.extracted;
  progress.counts.review_cache_hits = extraction.cacheHits;
}

/** The innermost cause's message: ActivityFailure wraps the activity's own error. */
function errorMessage(error: Error): string {
  let current: Error = error;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}
