import { PROMPT_VERSION, emptyUsage, type BatchResult, type ReviewFeatureExtractor, type ReviewInput } from '../review-features.ts';
import { E5Encoder, type E5EncoderOptions } from './e5-encoder.ts';
import { embeddedFeatures, type EmbeddedJudgement } from './embedded-features.ts';
import { encoderText } from './encoder-text.ts';
import { loadHeads, type ReviewHeads } from './heads.ts';

export interface EmbeddedExtractorOptions {
  /** Where the engine and model are (from the bootstrap's install, or config). */
  encoder: E5EncoderOptions;
  /** Default: the shipped heads-v2.json. */
  heads?: ReviewHeads;
}

/**
 * The default extractor: multilingual-e5-small embeddings (in-process, no
 * network) with small fitted heads on top, and the offline rules as cues
 * (see embedded-features.ts for how each field is made). The model loads on
 * first use, so building the extractor costs nothing for runs without reviews.
 */
export class EmbeddedExtractor implements ReviewFeatureExtractor {
  readonly name = 'embedded';
  readonly model = 'multilingual-e5-small-q4';
  readonly promptVersion: string;
  readonly heads: ReviewHeads;
  private encoder: E5Encoder | undefined;

  constructor(private readonly options: EmbeddedExtractorOptions) {
    this.heads = options.heads ?? loadHeads();
    this.promptVersion = `${PROMPT_VERSION}+${this.heads.version}`;
  }

  async extractBatch(reviews: ReviewInput[], signal?: AbortSignal): Promise<BatchResult> {
    const judged = await this.judge(reviews, signal);
    return { outcomes: judged.map(({ id, features }) => ({ id, ok: true, features })), usage: emptyUsage() };
  }

  /** Features plus the sentiment head's confidence, per review, in input order. */
  async judge(reviews: ReviewInput[], signal?: AbortSignal): Promise<Array<EmbeddedJudgement & { id: string }>> {
    if (reviews.length === 0) return [];
    signal?.throwIfAborted();
    this.encoder ??= new E5Encoder(this.options.encoder);
    const vectors = await this.encoder.embed(reviews.map((r) => encoderText(r.text)), this.heads.role, signal);
    return reviews.map((review, i) => ({ id: review.id, ...embeddedFeatures(this.heads, review.text, vectors[i]!) }));
  }

  /** The encoder's engine ('avx512-vnni', 'avx2-fma', ... for the fast helper, 'shipped'); known once the model is loaded. */
  get kernel(): string | undefined {
    return this.encoder?.kernel;
  }

  async close(): Promise<void> {
    const encoder = this.encoder;
    this.encoder = undefined;
    await encoder?.close();
  }
}
