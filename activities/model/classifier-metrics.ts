/**
 * Accuracy and macro-averaged F1 of predicted against true labels, as
 * scikit-learn computes them: F1 per label over the union of true and
 * predicted labels (0 for a label with no true positive), then the plain mean.
 */
export interface ClassifierScores {
  accuracy: number;
  macroF1: number;
}

export function classifierScores(truth: ArrayLike<number>, predicted: ArrayLike<number>): ClassifierScores {
  const n = truth.length;
  if (predicted.length !== n) throw new RangeError(`${predicted.length} predictions for ${n} labels`);
  if (n === 0) throw new RangeError('no labels to score');
  const tp = new Map<number, number>();
  const trueCount = new Map<number, number>();
  const predCount = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    trueCount.set(t, (trueCount.get(t) ?? 0) + 1);
    predCount.set(p, (predCount.get(p) ?? 0) + 1);
    if (t === p) {
      correct++;
      tp.set(t, (tp.get(t) ?? 0) + 1);
    }
  }
  const labels = new Set([...trueCount.keys(), ...predCount.keys()]);
  let sum = 0;
  for (const label of labels) {
    const hits = tp.get(label) ?? 0;
    const denominator = (trueCount.get(label) ?? 0) + (predCount.get(label) ?? 0);
    sum += denominator === 0 ? 0 : (2 * hits) / denominator;
  }
  return { accuracy: correct / n, macroF1: sum / labels.size };
}
