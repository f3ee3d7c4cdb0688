import type { ActivityDeps } from './deps.ts';
import { createStartRun, createMarkRunFailed } from './start-run.ts';
import { createLoadSources } from './load.ts';
import { createExtractReviewFeatures } from './extract.ts';
import { createBuildFeatures } from './features.ts';
import { createTrainSegments } from './train.ts';
import { createPublishVersion } from './publish.ts';

export type { ActivityDeps } from './deps.ts';

/** Every activity of personaflow, built from its dependencies (tests pass their own). */
export function createActivities(deps: ActivityDeps) {
  return {
    startRun: createStartRun(deps),
    markRunFailed: createMarkRunFailed(deps),
    loadSources: createLoadSources(deps),
    extractReviewFeatures: createExtractReviewFeatures(deps),
    buildFeatures: createBuildFeatures(deps),
    trainSegments: createTrainSegments(deps),
    publishVersion: createPublishVersion(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
