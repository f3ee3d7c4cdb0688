// Input, result and progress of the backfillProfiles workflow. Kept small:
// they travel through continue-as-new and the progress query.

/** One JSON object, so a backfill can be started from the Temporal UI's form. */
export interface BackfillProfilesInput {
  /** Folder holding the source tables. */
  source: string;
  /** First as-of time (ISO 8601, inclusive). */
  from: string;
  /** Last as-of time (ISO 8601, inclusive when the steps land on it). */
  to: string;
  /** Time between as-of times, e.g. "1 day" (default), "6h", "1 week". */
  step?: string;
  /** profileRun children at a time (default 2). */
  parallelism?: number;
  /** Passed to every profileRun. */
  k?: number;
  maxRejectShare?: number;
  force?: boolean;
  /** Children per workflow run before continuing as new (default 500); lower it to test or tune. */
  childrenPerRun?: number;
  /** Set by the workflow itself when it continues as new; leave it out. */
  carried?: CarriedProgress;
}

export interface BackfillEntry {
  asOf: string;
  version: number;
}

export interface BackfillFailure {
  asOf: string;
  error: string;
}

interface CarriedProgress {
  completed: number;
  failed: number;
  /** Index of the next as-of time to start. */
  nextIndex: number;
  /** The latest published versions (at most 20). */
  published: BackfillEntry[];
  /** The latest failures (at most 20). */
  failures: BackfillFailure[];
  continuedAsNew: number;
}

export interface BackfillProgress extends CarriedProgress {
  total: number;
  /** As-of times of the children running now. */
  running: string[];
}

export interface BackfillResult {
  total: number;
  completed: number;
  published: BackfillEntry[];
  continuedAsNew: number;
}
