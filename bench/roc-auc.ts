/** Area under the ROC curve of `score` for the positive labels (1), ties counted half (Mann-Whitney U). */
export function rocAuc(score: readonly number[], label: readonly number[]): number {
  const order = score.map((_, i) => i).sort((a, b) => score[a]! - score[b]!);
  const ranks = new Float64Array(score.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && score[order[j + 1]!] === score[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = rank;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  label.forEach((l, i) => {
    if (l === 1) {
      positives++;
      rankSum += ranks[i]!;
    }
  });
  const negatives = label.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
