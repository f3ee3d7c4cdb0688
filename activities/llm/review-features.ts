import { z } from 'zod';

/**
 * The fixed topic taxonomy the extractors choose from. Free-form words go to
 * `keywords`. Changing this list or the schema below means a new PROMPT_VERSION.
 */
export const TOPICS = [
  'price',
  'quality',
  'delivery',
  'customer_service',
  'sizing_fit',
  'packaging',
  'usability',
  'durability',
  'returns_refunds',
  'other',
] as const;

/**
 * Names the prompt and the schema together: cached results are keyed by it,
 * so bumping it re-extracts every review with the new prompt.
 */
export const PROMPT_VERSION = 'review-features/v1';

/** What is extracted from one review. Every field is required (strict JSON schema); absent values are null. */
export const ReviewFeaturesSchema = z.object({
  sentiment_label: z.enum(['negative', 'neutral', 'positive']),
  sentiment_score: z.number().min(-1).max(1),
  purchase_intent: z.enum(['none', 'low', 'high']),
  intent_cue: z.string().nullable(),
  topics: z.array(z.enum(TOPICS)),
  keywords: z.array(z.string()),
  price_sensitive: z.boolean(),
  quality_complaint: z.boolean(),
  service_complaint: z.boolean(),
  language: z.string().describe('ISO 639-1 code, e.g. en, zh'),
});
export type ReviewFeatures = z.infer<typeof ReviewFeaturesSchema>;

/** A review as sent to an extractor: redacted text, an opaque id, never a customer id. */
export interface ReviewInput {
  id: string;
  text: string;
}

export type ExtractionOutcome =
  | { id: string; ok: true; features: ReviewFeatures }
  | { id: string; ok: false; error: string };

export interface ExtractionUsage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  /** Cascade only: reviews the encoder answered itself (absent for other extractors). */
  encoderReviews?: number;
  /** Cascade only: reviews the encoder was unsure of, sent on to the LLM. */
  llmReviews?: number;
  /** Cascade only: LLM requests not made because the encoder answered a whole batch. */
  requestsSaved?: number;
}

/** The cascade's optional counters, summed like the others when present. */
export const CASCADE_USAGE_KEYS = ['encoderReviews', 'llmReviews', 'requestsSaved'] as const;

export interface BatchResult {
  /** One outcome per input review, in any order, matched by id. */
  outcomes: ExtractionOutcome[];
  usage: ExtractionUsage;
}

/**
 * One way of turning reviews into features: the offline rules, an
 * OpenAI-compatible endpoint, or a local GGUF model. Implementations never
 * throw for a bad item (it becomes a failed outcome); they throw only when the
 * whole call cannot be made (endpoint down after retries, bad configuration).
 */
export interface ReviewFeatureExtractor {
  /** Recorded as `extractor` in review_features. */
  readonly name: string;
  /** Recorded as `model` in review_features. */
  readonly model: string;
  /**
   * Recorded as `prompt_version` and part of the cache key; default
   * PROMPT_VERSION. Extractors with a fitted artifact (the embedded heads)
   * add its version, so new heads mean new extractions.
   */
  readonly promptVersion?: string;
  extractBatch(reviews: ReviewInput[], signal?: AbortSignal): Promise<BatchResult>;
}

export function promptVersionOf(extractor: { name: string; promptVersion?: string }): string {
  return extractor.promptVersion ?? PROMPT_VERSION;
}

export const emptyUsage = (): ExtractionUsage => ({
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  cachedPromptTokens: 0,
});
