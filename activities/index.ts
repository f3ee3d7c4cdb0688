import type { ActivityDeps } from './deps.ts';
import { createStartRun, createMarkRunFailed } from './run-plan.ts';
import { createLoadSources } from './load.ts';
import { createExtractActivities } from './extract.ts';
import { createBuildFeatures } from './features.ts';
import { createTrainSegments } from './train.ts';
import { createPublishVersion } from './publish.ts';
import { createCheckpointActivities } from './checkpoints.ts';
import { createSetVersionPin } from './retention-pins.ts';
import { withFailureBoundary } from './failure-boundary.ts';
import { withHeartbeats } from './heartbeat-while.ts';

export type { ActivityDeps } from './deps.ts';

/**
 * Every activity of personaflow, built from its dependencies (tests pass their
 * own). Plain functions: whether a stage is reused from a checkpoint or
 * computed is decided in the workflow, from the plan startRun returns.
 * withFailureBoundary is the one place that turns their errors into Temporal
 * failures (retryable or not, redacted, capped): no stage does it itself.
 * withHeartbeats gives every one a heartbeat timer (the workflows set 30 s
 * heartbeat timeouts), so a dead worker or a completion lost in a server
 * outage costs seconds, not the start-to-close timeout.
 */
export function createActivities(deps: ActivityDeps) {
  return withFailureBoundary(withHeartbeats({
    startRun: createStartRun(deps),
    markRunFailed: createMarkRunFailed(deps),
    loadSources: createLoadSources(deps),
    ...createExtractActivities(deps),
    buildFeatures: createBuildFeatures(deps),
    trainSegments: createTrainSegments(deps),
    ...createCheckpointActivities(deps),
    setVersionPin: createSetVersionPin(deps),
    publishVersion: createPublishVersion(deps),
  }, ['extractReviewRange']));
}

/** The activities an extraction-only worker serves (task queue personaflow-extract): stateless, any machine. */
export function createExtractionActivities(deps: ActivityDeps) {
  const { extractReviewRange, submitReviewBatchJob, reviewBatchJobStatus, collectReviewBatchJob } = createExtractActivities(deps);
  return withFailureBoundary(
    withHeartbeats({ extractReviewRange, submitReviewBatchJob, reviewBatchJobStatus, collectReviewBatchJob }, ['extractReviewRange']),
  );
}

export type Activities = ReturnType<typeof createActivities>;
