import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../project-root.ts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../errors.ts';
import { TOPICS, type ReviewFeatures } from '../review-features.ts';
import { E5_DIM } from './e5-encoder.ts';

/**
 * The fitted heads over e5 embeddings, as shipped in heads-v<N>.json (written
 * by `npm run train-heads`, scripts/train-review-heads.ts):
 * - sentiment: multinomial logistic regression (negative/neutral/positive),
 *   or a one-hidden-layer network where that validated better, over the
 *   embedding plus the offline rules' score, trained on human-rated
 *   review, tweet and editorial snippets and Chinese reviews (real labels);
 * - topics and purchase intent: prototypes, the normalised mean of anchor
 *   phrases written for each (no labelled data exists for these); a
 *   prototype fires when a review is closer to it than `threshold`, set by
 *   the training script as a high percentile of the similarity of general,
 *   non-shopping text (so it fires on few sentences that are not about it).
 */
const Vector = z.array(z.number()).length(E5_DIM);

const PrototypeSchema = z.object({ centroid: Vector, threshold: z.number(), anchors: z.number().int().positive() });

/**
 * Optional hidden layer: h = relu(weights * input + bias), where input is the
 * scaled embedding followed by the rules' score; the output layer then reads
 * h (its `weights` rows are as long as h, `ruleWeights` are 0). Without it
 * the head is linear over the input.
 */
const HiddenLayerSchema = z.object({
  weights: z.array(z.array(z.number()).length(E5_DIM + 1)).min(1),
  bias: z.array(z.number()),
});

const SentimentHeadSchema = z
  .object({
    classes: z.tuple([z.literal('negative'), z.literal('neutral'), z.literal('positive')]),
    /** Inputs are (embedding - center) * scale. */
    center: Vector,
    scale: z.number().positive(),
    hidden: HiddenLayerSchema.optional(),
    weights: z.array(z.array(z.number())).length(3),
    /** Per class, the weight of the offline rules' sentiment score (the rules as a cue). */
    ruleWeights: z.array(z.number()).length(3),
    bias: z.array(z.number()).length(3),
  })
  .superRefine((head, ctx) => {
    const width = head.hidden ? head.hidden.weights.length : E5_DIM;
    if (head.hidden && head.hidden.bias.length !== width) ctx.addIssue({ code: 'custom', message: `hidden bias has ${head.hidden.bias.length} values, not ${width}` });
    if (head.weights.some((w) => w.length !== width)) ctx.addIssue({ code: 'custom', message: `output weights must have ${width} values per class` });
  });

export const HeadsSchema = z.object({
  version: z.string().regex(/^heads-v\d+$/),
  encoder: z.string(),
  role: z.enum(['query', 'passage']),
  maxChars: z.number().int().positive(),
  /** One head per language (as the rules detect it); `en` also answers other languages. */
  sentiment: z.object({ en: SentimentHeadSchema, zh: SentimentHeadSchema }),
  topics: z.partialRecord(z.enum(TOPICS), PrototypeSchema),
  intent: z.object({ high: PrototypeSchema, low: PrototypeSchema, none: PrototypeSchema }),
  training: z.record(z.string(), z.unknown()),
});
export type ReviewHeads = z.infer<typeof HeadsSchema>;

// From the project root, not this file: the compiled CLI runs from dist/.
export const HEADS_PATH = pathToFileURL(join(PROJECT_ROOT, 'activities', 'llm', 'embedded', 'heads-v2.json'));

export function loadHeads(path: string | URL = HEADS_PATH): ReviewHeads {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read the review heads ${String(path)}: ${error instanceof Error ? error.message : String(error)} (\`npm run train-heads\` writes them)`);
  }
  const parsed = HeadsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid review heads ${String(path)}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

export interface SentimentPrediction {
  label: ReviewFeatures['sentiment_label'];
  /** p(positive) - p(negative), in [-1, 1]. */
  score: number;
  /** The winning class's probability: how sure the head is (the cascade's measure). */
  confidence: number;
  probabilities: [number, number, number];
}

/** `ruleScore` and `language`: the offline rules' sentiment_score and language for the same text. */
export function predictSentiment(heads: ReviewHeads, vector: Float32Array, ruleScore: number, language: string): SentimentPrediction {
  const { center, scale, hidden, weights, ruleWeights, bias, classes } = language === 'zh' ? heads.sentiment.zh : heads.sentiment.en;
  const input = new Float64Array(E5_DIM + 1);
  for (let i = 0; i < E5_DIM; i++) input[i] = (vector[i]! - center[i]!) * scale;
  input[E5_DIM] = ruleScore;
  let features: Float64Array = input;
  if (hidden) {
    features = new Float64Array(hidden.weights.length);
    hidden.weights.forEach((w, j) => {
      let sum = hidden.bias[j]!;
      for (let i = 0; i <= E5_DIM; i++) sum += w[i]! * input[i]!;
      features[j] = sum > 0 ? sum : 0;
    });
  }
  const logits = weights.map((w, c) => {
    let sum = bias[c]! + ruleWeights[c]! * ruleScore;
    for (let i = 0; i < w.length; i++) sum += w[i]! * features[i]!;
    return sum;
  });
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const total = exps.reduce((a, b) => a + b, 0);
  const probabilities = exps.map((e) => e / total) as [number, number, number];
  let best = 0;
  for (let c = 1; c < 3; c++) if (probabilities[c]! > probabilities[best]!) best = c;
  return {
    label: classes[best]!,
    score: Math.max(-1, Math.min(1, probabilities[2] - probabilities[0])),
    confidence: probabilities[best]!,
    probabilities,
  };
}

export function cosine(a: Float32Array, b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < E5_DIM; i++) sum += a[i]! * b[i]!;
  return sum; // both are unit vectors
}

/** Topics whose prototype the review is closer to than the prototype's threshold. */
export function prototypeTopics(heads: ReviewHeads, vector: Float32Array): Array<(typeof TOPICS)[number]> {
  return TOPICS.filter((topic) => {
    const prototype = heads.topics[topic];
    return prototype !== undefined && cosine(vector, prototype.centroid) >= prototype.threshold;
  });
}

/** The intent prototype the review is closest to, if it passes that prototype's threshold. */
export function prototypeIntent(heads: ReviewHeads, vector: Float32Array): ReviewFeatures['purchase_intent'] | undefined {
  let best: { level: ReviewFeatures['purchase_intent']; margin: number } | undefined;
  for (const level of ['high', 'low', 'none'] as const) {
    const prototype = heads.intent[level];
    const margin = cosine(vector, prototype.centroid) - prototype.threshold;
    if (margin >= 0 && (!best || margin > best.margin)) best = { level, margin };
  }
  return best?.level;
}
