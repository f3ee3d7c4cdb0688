import type { ExtractResult } from '../activities/extract.ts';
// Inputs, results and query shapes of the workflows. Kept small: ids, counts,
// references. Row data and review text never travel through Temporal.

/** One JSON object, so a run can be started from the Temporal UI's form. */
export interface ProfileRunInput {
  /** Folder holding the source tables (see the data contract). */
  source: string;
  /** ISO 8601 as-of time; default: the schedule's nominal time, else the start time. */
  asOf?: string;
  /** Fail before publishing when a table's rejected share exceeds this (default from config, 5%). */
  maxRejectShare?: number;
  /** Fail before publishing when the share of reviews that failed extraction exceeds this (default from config, 5%). */
  maxExtractFailureShare?: number;
  /** Fix the number of segments instead of choosing it by measurement. */
  k?: number;
  /** Horizon of expected_orders and predicted_clv, days (default 180; issue 8). */
  clvHorizonDays?: number;
  /** Extract reviews through the OpenAI Batch API (half price, up to 24 h; for large backfills). */
  llmBatchApi?: boolean;
  /** Redo every stage even when a checkpoint for the same as-of and inputs exists. */
  force?: boolean;
}

export type Stage = 'starting' | 'load' | 'extract' | 'features' | 'train' | 'publish' | 'done' | 'failed';

export interface RunProgress {
  stage: Stage;
  stagesDone: Stage[];
  /** Seconds each finished stage took. */
  stageSeconds: Partial<Record<Stage, number>>;
  asOf: string;
  counts: Record<string, number>;
}

export interface TableCounts {
  read: number;
  loaded: number;
  rejected: number;
  afterAsOf: number;
}

export interface SegmentSummary {
  segmentId: number;
  name: string;
  size: number;
  means: Record<string, number>;
}

export interface ProfileRunResult {
  runId: string;
  workflowId: string;
  asOf: string;
  version: number;
  modelVersion: string;
  customers: number;
  tables: Record<string, TableCounts | null>;
  /** The extract stage's accounting, as stored in runs.llm. */
  extraction: ExtractResult;
  k: number;
  silhouette: number;
  /** How k was chosen and why; ambiguous when no k was clearly better and the smallest defensible one was taken (issue 8). */
  kChoice?: { method: string; reason: string; ambiguous: boolean };
  /** Assignment classifier's held-out scores and segment id stability against the previous version (issue 4). */
  segmentation?: {
    heldOutMacroF1: number;
    ariVsPrevious?: number;
    newSegments: number[];
    vanishedSegments: number[];
  };
  segments: SegmentSummary[];
  /** Stages taken from a checkpoint of an earlier run with the same as-of and inputs (not redone). */
  reusedStages?: string[];
}
