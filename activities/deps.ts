import type { Warehouse } from './warehouse/warehouse.ts';
import type { ReviewFeatureExtractor } from './llm/review-features.ts';

/** What the activities need from the outside world; tests hand in their own. */
export interface ActivityDeps {
  warehouse: Warehouse;
  extractor: ReviewFeatureExtractor;
  llm: { batchSize: number; concurrency: number };
  /** The readers' copy of the published outputs (see publish.ts). */
  outputsPath: string;
  /** Default rejected share per table before a run fails. */
  maxRejectShare: number;
}
