import type { ActivityDeps } from './deps.ts';
import { createStartRun, createMarkRunFailed } from './start-run.ts';
import { createLoadSources } from './load.ts';
import { createExtractActivities } from './extract.ts';
import { createBuildFeatures } from './features.ts';
import { createTrainSegments } from './train.ts';
import { createPublishVersion } from './publish.ts';
import { checkpointed, reportingReuse } from './checkpoints.ts';
import { reuseLoad } from './checkpoints-reuse.ts';
import { recordingRunInputs } from './checkpoints-run-inputs.ts';
import { createSetVersionPin } from './retention-pins.ts';
import { withFailureBoundary } from './failure-boundary.ts';
import { validatingRunInput } from './validate-run-input.ts';

export type { ActivityDeps } from './deps.ts';

/**
 * Every activity of personaflow, built from its dependencies (tests pass their
 * own). withFailureBoundary is the one place that turns their errors into
 * Temporal failures (retryable or not, redacted, capped): no stage does it itself.
 */
export function createActivities(deps: ActivityDeps) {
  return withFailureBoundary(createStageActivities(deps));
}

function createStageActivities(deps: ActivityDeps) {
  const extract = createExtractActivities(deps);
  // Stages record checkpoints and reuse matching ones (checkpoints.ts).
  // Extraction is recorded, not skipped: its review cache already makes a
  // rerun ask the LLM nothing.
  return {
    // The input is checked after the runs row is written and before the run's inputs are recorded.
    startRun: recordingRunInputs(deps, validatingRunInput(createStartRun(deps))),
    markRunFailed: createMarkRunFailed(deps),
    loadSources: checkpointed(deps, 'load', createLoadSources(deps), { reusable: true, onReuse: reuseLoad }),
    ...extract,
    recordExtraction: checkpointed(deps, 'extract', extract.recordExtraction, {
      reusable: false,
      unchanged: (result) => result.extracted === 0,
    }),
    buildFeatures: checkpointed(deps, 'features', createBuildFeatures(deps), { reusable: true }),
    trainSegments: checkpointed(deps, 'train', createTrainSegments(deps), { reusable: true }),
    setVersionPin: createSetVersionPin(deps),
    publishVersion: reportingReuse(deps, checkpointed(deps, 'publish', createPublishVersion(deps), { reusable: false })),
  };
}

export type Activities = ReturnType<typeof createActivities>;
