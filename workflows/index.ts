// The workflows the worker registers. Deterministic orchestration only.
export { profileRun, progressQuery } from './profile-run.ts';
