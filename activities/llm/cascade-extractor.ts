import type { EmbeddedExtractor } from './embedded/embedded-extractor.ts';
import type { BatchResult, ExtractionOutcome, ReviewFeatureExtractor, ReviewInput } from './review-features.ts';

/**
 * The encoder first, the LLM for what it is unsure of: reviews whose
 * sentiment confidence reaches `threshold` keep the encoder's features; the
 * rest of the batch goes to the LLM as one smaller batch (the same redacted
 * text: extraction redacts before any extractor sees a review). A batch the
 * encoder answers whole costs no request at all. Recorded as its own
 * extractor, with both models and the threshold in the cache key, since the
 * mix of answers depends on all three.
 */
export class CascadeExtractor implements ReviewFeatureExtractor {
  readonly name = 'cascade';
  readonly model: string;
  readonly promptVersion: string;

  constructor(
    readonly encoder: EmbeddedExtractor,
    readonly llm: ReviewFeatureExtractor,
    readonly threshold: number,
  ) {
    if (!(threshold >= 0 && threshold <= 1)) throw new Error(`cascade threshold must be within [0, 1], got ${threshold}`);
    this.model = `${encoder.model}+${llm.model}`;
    this.promptVersion = `${encoder.promptVersion}+cascade-${threshold}`;
  }

  async extractBatch(reviews: ReviewInput[], signal?: AbortSignal): Promise<BatchResult> {
    const judged = await this.encoder.judge(reviews, signal);
    const sure = judged.filter((j) => j.confidence >= this.threshold);
    const unsure = new Set(judged.filter((j) => j.confidence < this.threshold).map((j) => j.id));
    const outcomes: ExtractionOutcome[] = sure.map(({ id, features }) => ({ id, ok: true, features }));
    if (unsure.size === 0) {
      return {
        outcomes,
        usage: { requests: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0, encoderReviews: sure.length, llmReviews: 0, requestsSaved: reviews.length > 0 ? 1 : 0 },
      };
    }
    const asked = await this.llm.extractBatch(reviews.filter((r) => unsure.has(r.id)), signal);
    return {
      outcomes: [...outcomes, ...asked.outcomes],
      usage: { ...asked.usage, encoderReviews: sure.length, llmReviews: unsure.size, requestsSaved: 0 },
    };
  }

  async close(): Promise<void> {
    await this.encoder.close();
  }
}
