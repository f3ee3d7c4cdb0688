import type { Warehouse } from './warehouse/warehouse.ts';
import type { ReviewFeatureExtractor } from './llm/review-features.ts';
import type { ModelPrice } from './llm/prices.ts';
import type { PersonaCardWriter } from './model/segment-cards.ts';
import type { StageHold } from './test-hooks.ts';

/** What the activities need from the outside world; tests hand in their own. */
export interface ActivityDeps {
  warehouse: Warehouse;
  extractor: ReviewFeatureExtractor;
  llm: {
    batchSize: number;
    concurrency: number;
    /** Prompt + completion tokens one run may spend on extraction (none: unlimited). */
    tokenBudget?: number;
    /** Price of the configured model, for the cost estimate in runs.llm. */
    price?: ModelPrice;
  };
  /** Task queue of the extraction activities (extraction-only workers serve it); recorded in each run's plan. */
  extractTaskQueue: string;
  /** Folder where each publication writes its HTML report (client/report/); unset: no report. */
  reportsDir?: string;
  /** Default rejected share per table before a run fails. */
  maxRejectShare: number;
  /** Default failed share of a run's reviews before it fails (PERSONAFLOW_MAX_EXTRACT_FAILURE_SHARE; default 5%). */
  maxExtractFailureShare?: number;
  /** Published versions to keep (default 20); the current and pinned ones always stay. */
  keepVersions?: number;
  /** Crash tests only: a marker file publish writes after its commit before hanging (see test-hooks.ts). */
  holdAfterPublishCommit?: string;
  /** Recovery tests only: a stage that writes a marker and holds, heartbeating (see test-hooks.ts). */
  holdInStage?: StageHold;
  /** Writes persona cards with an LLM (provider openai); without it the rule-based cards are used. */
  cardWriter?: PersonaCardWriter;
}
