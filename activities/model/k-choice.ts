import { kmeansFlatSteps, packRows } from './kmeans-flat.ts';
import { adjustedRandIndex, mulberry32, sampleIndices, silhouetteScore } from './cluster-metrics.ts';
import { runSteps } from './steps.ts';

/**
 * How many segments: a choice that has to hold on data nobody planted.
 *
 * The argmax of one silhouette over-splits (on an outside generator's five
 * personas it chose 7) and on real transactions the silhouette is nearly flat
 * over k, so its argmax is close to arbitrary. Here every candidate k is
 * refitted on B bootstrap resamples of a selection sample (at most
 * SELECTION_SAMPLE rows, so the cost does not grow with the customer count),
 * and each refit is scored on the whole selection sample:
 * - stability: ARI between the refit's partition and the candidate's own
 *   (a k that splits a group arbitrarily does not reproduce);
 * - the candidate's silhouette on a different subsample each time, whose
 *   spread is the standard error the parsimony rule needs.
 * Rule: only stable k (mean ARI >= MIN_STABILITY) are admissible; among them
 * the best mean silhouette sets the bar, and the smallest k whose mean
 * silhouette is within one standard error of the best is chosen (one-SE rule,
 * as for the gap statistic). When no k is stable, or the admissible k all lie
 * within one standard error of each other, no k is clearly better: the
 * smallest admissible (else the most stable) k is chosen and the reason says so.
 */
export const K_CHOICE_RULES = {
  bootstraps: 6,
  selectionSample: 2_000,
  silhouetteSample: 800,
  minStability: 0.75,
  restarts: 3,
} as const;

export interface KCandidateScore {
  k: number;
  /** Mean and standard deviation over the bootstraps of the ARI with the candidate's partition. */
  stability: number;
  stabilitySd: number;
  /** Mean and standard deviation of the candidate's silhouette over subsamples of the selection sample. */
  silhouette: number;
  silhouetteSd: number;
}

export interface KChoice {
  method: 'fixed' | 'bootstrap-stability+one-se-silhouette' | 'single-segment';
  k: number;
  /** Plain words: why this k. */
  reason: string;
  /** True when no k was clearly better and the smallest defensible one was taken. */
  ambiguous: boolean;
  candidates: KCandidateScore[];
}

export interface KCandidate {
  k: number;
  centroids: number[][];
}

function nearest(points: Float64Array, n: number, d: number, centroids: readonly (readonly number[])[]): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < centroids.length; c++) {
      const centroid = centroids[c]!;
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const delta = points[i * d + j]! - centroid[j]!;
        sum += delta * delta;
      }
      if (sum < bestDistance) {
        bestDistance = sum;
        best = c;
      }
    }
    labels[i] = best;
  }
  return labels;
}

function meanSd(values: readonly number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return [mean, Math.sqrt(variance)];
}

/** Scores every candidate by bootstrap refits on a selection sample of `matrix`. */
export function scoreCandidates(matrix: readonly (readonly number[])[], candidates: readonly KCandidate[], seed: number): KCandidateScore[] {
  return runSteps(scoreCandidateSteps(matrix, candidates, seed));
}

/** scoreCandidates, pausing inside and after every bootstrap refit (see model/steps.ts). */
export function* scoreCandidateSteps(
  matrix: readonly (readonly number[])[],
  candidates: readonly KCandidate[],
  seed: number,
): Generator<void, KCandidateScore[]> {
  const rules = K_CHOICE_RULES;
  const selection = Array.from(sampleIndices(matrix.length, rules.selectionSample, seed ^ 0x5bd1e995), (i) => matrix[i]!);
  const { data, n, d } = packRows(selection);
  // The candidate's own silhouette on a different subsample per bootstrap: its spread is the standard error of the estimate.
  const silhouetteOf = (labels: Int32Array, b: number): number => {
    const distinct = new Set(labels).size;
    return distinct >= 2 && distinct < n ? silhouetteScore(selection, labels, { sampleSize: rules.silhouetteSample, seed: seed + b + 1 }) : 0;
  };
  const scores: KCandidateScore[] = [];
  for (const { k, centroids } of candidates) {
    const reference = nearest(data, n, d, centroids);
    const aris: number[] = [];
    const silhouettes: number[] = [];
    for (let b = 0; b < rules.bootstraps; b++) {
      const random = mulberry32((seed + 7919 * (b + 1) + 104729 * k) >>> 0 || 1);
      const boot = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const source = Math.floor(random() * n);
        boot.set(data.subarray(source * d, source * d + d), i * d);
      }
      let best: { inertia: number; centroids: number[][] } | undefined;
      for (let r = 0; r < rules.restarts; r++) {
        try {
          const fit = yield* kmeansFlatSteps(boot, n, d, k, { seed: ((seed + 31 * b + 17 * r + 1) * 2654435761) >>> 1 || 1, maxIterations: 100 });
          let inertia = 0;
          for (let i = 0; i < n; i++) {
            const c = fit.centroids[fit.clusters[i]!]!;
            for (let j = 0; j < d; j++) inertia += (boot[i * d + j]! - c[j]!) ** 2;
          }
          if (best === undefined || inertia < best.inertia) best = { inertia, centroids: fit.centroids };
        } catch {
          // Too few distinct points in this resample for k centres.
        }
      }
      yield;
      if (best === undefined) continue;
      const labels = nearest(data, n, d, best.centroids);
      aris.push(adjustedRandIndex(labels, reference));
      silhouettes.push(silhouetteOf(reference, b));
    }
    if (aris.length === 0) {
      scores.push({ k, stability: 0, stabilitySd: 0, silhouette: 0, silhouetteSd: 0 });
      continue;
    }
    const [stability, stabilitySd] = meanSd(aris);
    const [silhouette, silhouetteSd] = meanSd(silhouettes);
    scores.push({ k, stability, stabilitySd, silhouette, silhouetteSd });
  }
  return scores;
}

const f3 = (v: number): string => v.toFixed(3);

/** Applies the rule in the header to scored candidates (ascending k). */
export function chooseK(scores: readonly KCandidateScore[]): KChoice {
  const method = 'bootstrap-stability+one-se-silhouette' as const;
  const candidates = [...scores].sort((a, b) => a.k - b.k);
  if (candidates.length === 1) {
    const only = candidates[0]!;
    return { method, k: only.k, reason: `only k = ${only.k} was possible`, ambiguous: false, candidates };
  }
  const stable = candidates.filter((c) => c.stability >= K_CHOICE_RULES.minStability);
  if (stable.length === 0) {
    const most = candidates.reduce((a, b) => (b.stability > a.stability ? b : a));
    return {
      method,
      k: most.k,
      reason: `no k reproduced under resampling (best stability ${f3(most.stability)} at k = ${most.k}, needed ${K_CHOICE_RULES.minStability}); no clear structure, k = ${most.k} is the most stable`,
      ambiguous: true,
      candidates,
    };
  }
  const best = stable.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
  const bar = best.silhouette - best.silhouetteSd;
  const chosen = stable.find((c) => c.silhouette >= bar)!;
  const flat = stable.every((c) => c.silhouette >= bar);
  if (flat && stable.length > 1) {
    return {
      method,
      k: chosen.k,
      reason: `no k is clearly better: every stable k (${stable.map((c) => c.k).join(', ')}) has a silhouette within one standard error of the best (${f3(best.silhouette)} ± ${f3(best.silhouetteSd)} at k = ${best.k}); the smallest, k = ${chosen.k}, is taken`,
      ambiguous: true,
      candidates,
    };
  }
  const reason =
    chosen.k === best.k
      ? `k = ${chosen.k} has the best silhouette (${f3(best.silhouette)} ± ${f3(best.silhouetteSd)}) among the k that reproduce under resampling (stability ${f3(chosen.stability)})`
      : `k = ${chosen.k} is the smallest stable k (stability ${f3(chosen.stability)}) whose silhouette (${f3(chosen.silhouette)}) is within one standard error of the best (${f3(best.silhouette)} ± ${f3(best.silhouetteSd)} at k = ${best.k})`;
  return { method, k: chosen.k, reason, ambiguous: false, candidates };
}

/**
 * Whether two segments are distinguishable: the members of both (from the
 * selection sample) projected onto the line through the two centroids must
 * show a valley between them. The density (Gaussian kernel, Silverman's
 * bandwidth) at its lowest point between the two centroid projections has to
 * be below VALLEY_RATIO of the lower of the densities at the two centroids;
 * a group that k-means merely cut in two has no valley there.
 */
export const VALLEY_RATIO = 0.8;

export function indistinctPairs(
  matrix: readonly (readonly number[])[],
  labels: ArrayLike<number>,
  centroids: readonly (readonly number[])[],
  seed: number,
): Array<[number, number]> {
  const sample = sampleIndices(matrix.length, K_CHOICE_RULES.selectionSample, seed ^ 0x5bd1e995);
  const pairs: Array<[number, number]> = [];
  const d = centroids[0]?.length ?? 0;
  for (let a = 0; a < centroids.length; a++) {
    for (let b = a + 1; b < centroids.length; b++) {
      const axis = new Array<number>(d);
      let norm = 0;
      for (let j = 0; j < d; j++) {
        axis[j] = centroids[b]![j]! - centroids[a]![j]!;
        norm += axis[j]! ** 2;
      }
      norm = Math.sqrt(norm);
      if (norm === 0) {
        pairs.push([a, b]);
        continue;
      }
      const projected: number[] = [];
      for (const i of sample) {
        const label = labels[i]!;
        if (label !== a && label !== b) continue;
        const row = matrix[i]!;
        let t = 0;
        for (let j = 0; j < d; j++) t += ((row[j]! - centroids[a]![j]!) * axis[j]!) / norm;
        projected.push(t / norm); // 0 at centroid a, 1 at centroid b
      }
      if (projected.length < 20) continue;
      const [, sd] = meanSd(projected);
      const bandwidth = Math.max(1.06 * sd * Math.pow(projected.length, -0.2), 1e-6);
      const density = (x: number): number => {
        let sum = 0;
        for (const t of projected) sum += Math.exp(-0.5 * ((x - t) / bandwidth) ** 2);
        return sum;
      };
      const peak = Math.min(density(0), density(1));
      let valley = Infinity;
      for (let step = 1; step < 20; step++) valley = Math.min(valley, density(step / 20));
      if (valley >= VALLEY_RATIO * peak) pairs.push([a, b]);
    }
  }
  return pairs;
}
