import { ApplicationFailure, defineQuery, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ProfileRunInput, ProfileRunResult, RunProgress, Stage } from './types.ts';
import { resolveAsOf } from './as-of.ts';
import { extractReviewsWorkflow } from './extract-reviews.ts';

export const progressQuery = defineQuery<RunProgress>('progress');

// Retry policy per stage, declared where the activities are proxied.
// Bad input and bad configuration fail as non-retryable inside the activities.
const { startRun, markRunFailed, buildFeatures } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});
// Publish heartbeats while it works, so a worker that dies mid-publish is
// noticed in seconds; the retry finds the committed version (run id is the key).
const { publishVersion } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});
const { loadSources } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});
const { trainSegments } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

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
    await startRun({ runId, workflowId, asOf, source: input.source, k: input.k, clvHorizonDays: input.clvHorizonDays, maxRejectShare: input.maxRejectShare, force: input.force });
    const load = await stage('load', () =>
      loadSources({ runId, source: input.source, asOf, maxRejectShare: input.maxRejectShare }),
    );
    for (const [table, counts] of Object.entries(load.tables)) {
      if (counts) progress.counts[`${table}_loaded`] = counts.loaded;
      if (counts?.rejected) progress.counts[`${table}_rejected`] = counts.rejected;
    }

    // Extraction is a child workflow (workflows/extract-reviews.ts): it fans out
    // heartbeating range activities and continues as new on large backfills;
    // its retry policies are declared there.
    const extraction = await stage('extract', () =>
      executeChild(extractReviewsWorkflow, {
        args: [{ runId, batchApi: input.llmBatchApi ? {} : undefined }],
        workflowId: `${workflowId}/extract/${runId}`,
      }),
    );
    progress.counts.reviews_extracted = extraction.extracted;
    progress.counts.review_cache_hits = extraction.cacheHits;

    const features = await stage('features', () => buildFeatures({ runId, asOf }));
    progress.counts.customers = features.customers;

    const model = await stage('train', () => trainSegments({ runId, k: input.k, clvHorizonDays: input.clvHorizonDays }));
    progress.counts.segments = model.k;

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
      }),
    );
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
      kChoice: { method: model.kChoice.method, reason: model.kChoice.reason, ambiguous: model.kChoice.ambiguous },
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
    await markRunFailed({ runId, stage: failedStage, error: error instanceof Error ? errorMessage(error) : String(error) });
    throw error;
  }
}

/** The innermost cause's message: ActivityFailure wraps the activity's own error. */
function errorMessage(error: Error): string {
  let current: Error = error;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}
