// The workflows the worker registers. Deterministic orchestration only.
export { profileRun, progressQuery } from './profile-run.ts';
export { backfillProfiles, backfillProgressQuery } from './backfill-profiles.ts';
export { extractReviewsWorkflow, extractProgressQuery } from './extract-reviews.ts';
export { versionPin } from './version-pin.ts';
