import { kmeansFlatSteps, packRows } from './kmeans-flat.ts';
import { clusterCentroids, clusterMetrics, DEFAULT_SILHOUETTE_SAMPLE, sampleIndices } from './cluster-metrics.ts';
import type { ClusterMetrics } from './cluster-metrics.ts';
import { chooseK, indistinctPairs, scoreCandidateSteps, type KChoice } from './k-choice.ts';
import { runSteps } from './steps.ts';

/**
 * k-means segmentation with model selection over k.
 *
 * For every k in the range, k-means (kmeans-flat.ts; it replaced ml-kmeans,
 * which was several times slower than scikit-learn on 100k rows) runs `seeds`
 * times with k-means++ initialisation and derived seeds; the run with the
 * lowest inertia is kept (this loop is n_init). Runs that end with an empty
 * cluster (possible when many customers share identical feature vectors) or
 * that fail to initialise (fewer distinct points than k) are skipped.
 *
 * k is chosen by k-choice.ts: only k whose segments reproduce on bootstrap
 * resamples are admissible, and of those the smallest whose silhouette is
 * within one standard error of the best (the argmax of one silhouette
 * over-split planted personas and is near arbitrary on real transactions).
 * The silhouette, Davies-Bouldin and Calinski-Harabasz on all rows are
 * reported per k for the record; they do not vote.
 *
 * Segments are then renumbered: 0 is the largest, ties by centroid
 * (lexicographic), so equal input and seed give equal output, and segment ids
 * mean the same kind of thing ("the biggest") across versions.
 */

export interface SegmentationOptions {
  /** Smallest k tried; default 3. */
  kMin?: number;
  /** Largest k tried; default 8. Capped at n - 1. */
  kMax?: number;
  /** Fixed k: overrides kMin/kMax. Capped at n - 1. */
  k?: number;
  /** k-means restarts per k; default 5. */
  seeds?: number;
  /** Base seed; default 42. */
  seed?: number;
  /** Points the silhouette is computed on; default 2000. */
  silhouetteSample?: number;
  /** k-means iteration limit per run; default 100. */
  maxIterations?: number;
  /**
   * Fit k-means on a deterministic sample of this many rows instead of all of
   * them (default: all). Every row is then assigned to its nearest fitted
   * centroid, centroids become the means of their rows, and the metrics are
   * computed on all rows. k-means cost is linear in rows; the train stage
   * picks the sample size by measurement (fit-sample.ts, docs/segmentation.md).
   */
  fitSample?: number;
}

export interface KMetrics {
  k: number;
  silhouette: number;
  daviesBouldin: number;
  calinskiHarabasz: number;
  inertia: number;
}

export interface SegmentationMetrics extends ClusterMetrics {
  chosenK: number;
  /** One entry per k that produced a usable clustering, ascending k. */
  perK: KMetrics[];
  /** Method, reason and the per-k scores of the choice (model_versions.metrics.kChoice). */
  kChoice: KChoice;
}

export interface SegmentationResult {
  k: number;
  /** centroids[s] is segment s's mean, in the (scaled) space of the input matrix. */
  centroids: number[][];
  /** Segment id per input row, 0..k-1; 0 is the largest segment. */
  assignments: number[];
  /** sizes[s] = rows assigned to segment s (non-increasing). */
  sizes: number[];
  metrics: SegmentationMetrics;
}

interface Candidate {
  k: number;
  assignments: number[];
  centroids: number[][];
  inertia: number;
}

/** Seed of restart `restart` for a given k: distinct per (k, restart), stable for a base seed. */
function runSeed(base: number, k: number, restart: number): number {
  let h = (base ^ Math.imul(k, 0x9e3779b1) ^ Math.imul(restart + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  // A positive, non-zero 32-bit seed (what ml-kmeans' XSadd needed; mulberry32 takes it as well).
  return ((h ^ (h >>> 16)) >>> 1) || 1;
}

function validate(matrix: readonly (readonly number[])[]): number {
  const n = matrix.length;
  if (n < 2) {
    throw new RangeError(`cannot segment ${n} customer${n === 1 ? '' : 's'}: k-means needs at least 2 rows`);
  }
  const d = matrix[0]!.length;
  if (d === 0) throw new RangeError('cannot segment rows with no features');
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    if (row.length !== d) throw new RangeError(`row ${i} has ${row.length} features, expected ${d}`);
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(row[j]!)) throw new RangeError(`row ${i}, feature ${j} is not a finite number: ${row[j]}`);
    }
  }
  return d;
}

function positiveInteger(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/**
 * The k values to try, capped at n - 1 (silhouette needs a cluster with two
 * points). For n = 2 this is [1]: no k >= 2 fits, and trainSegmentation
 * returns a single segment.
 */
export function kRange(n: number, options: Pick<SegmentationOptions, 'k' | 'kMin' | 'kMax'>): number[] {
  const cap = n - 1;
  if (options.k !== undefined) {
    positiveInteger(options.k, 'k', 2);
    return [Math.min(options.k, cap)];
  }
  const kMin = positiveInteger(options.kMin ?? 3, 'kMin', 2);
  const kMax = positiveInteger(options.kMax ?? 8, 'kMax', 2);
  if (kMin > kMax) throw new RangeError(`kMin (${kMin}) is greater than kMax (${kMax})`);
  const hi = Math.min(kMax, cap);
  const lo = Math.min(kMin, hi);
  const ks: number[] = [];
  for (let k = lo; k <= hi; k++) ks.push(k);
  return ks;
}

/** Sum of squared distances to the given centroids, and whether every cluster is non-empty. */
function scoreRun(matrix: readonly (readonly number[])[], clusters: number[], centroids: number[][], k: number): { inertia: number; empty: boolean } {
  const sizes = new Int32Array(k);
  let total = 0;
  for (let i = 0; i < matrix.length; i++) {
    const c = clusters[i]!;
    sizes[c]! += 1;
    const row = matrix[i]!;
    const centroid = centroids[c]!;
    for (let j = 0; j < row.length; j++) {
      const delta = row[j]! - centroid[j]!;
      total += delta * delta;
    }
  }
  return { inertia: total, empty: sizes.some((size) => size === 0) };
}

/** Index of the nearest centroid (squared Euclidean; ties to the lower index) for every row. */
export function assignNearest(matrix: readonly (readonly number[])[], centroids: readonly (readonly number[])[]): number[] {
  const k = centroids.length;
  const d = centroids[0]?.length ?? 0;
  const flat = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) flat[c * d + j] = centroids[c]![j]!;
  const out = new Array<number>(matrix.length);
  for (let i = 0; i < matrix.length; i++) {
    const row = matrix[i]!;
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < k; c++) {
      let sum = 0;
      const offset = c * d;
      for (let j = 0; j < d; j++) {
        const delta = row[j]! - flat[offset + j]!;
        sum += delta * delta;
      }
      if (sum < bestDistance) {
        bestDistance = sum;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** A run fitted on a sample, extended to every row of `matrix`; undefined if a segment ends up empty. */
function extendToAll(matrix: number[][], candidate: Candidate): Candidate | undefined {
  const assignments = assignNearest(matrix, candidate.centroids);
  const centroids = clusterCentroids(matrix, assignments, candidate.k);
  const { inertia, empty } = scoreRun(matrix, assignments, centroids, candidate.k);
  if (empty) return undefined;
  return { k: candidate.k, assignments, centroids, inertia };
}

function* bestRunForK(
  matrix: number[][],
  packed: { data: Float64Array; n: number; d: number },
  k: number,
  restarts: number,
  seed: number,
  maxIterations: number,
): Generator<void, Candidate | undefined> {
  let best: Candidate | undefined;
  for (let restart = 0; restart < restarts; restart++) {
    let result;
    try {
      result = yield* kmeansFlatSteps(packed.data, packed.n, packed.d, k, { seed: runSeed(seed, k, restart), maxIterations });
    } catch {
      // k-means++ cannot pick k distinct centres (too few distinct points): no clustering at this k.
      continue;
    }
    const { inertia, empty } = scoreRun(matrix, result.clusters, result.centroids, k);
    if (empty || !Number.isFinite(inertia)) continue;
    if (best === undefined || inertia < best.inertia) {
      best = { k, assignments: result.clusters, centroids: result.centroids, inertia };
    }
  }
  return best;
}

function compareVectors(a: readonly number[], b: readonly number[]): number {
  for (let j = 0; j < a.length; j++) {
    const diff = a[j]! - b[j]!;
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Renumbers clusters: largest first, ties by centroid. */
export function relabelBySize(
  assignments: readonly number[],
  centroids: readonly (readonly number[])[],
): { assignments: number[]; centroids: number[][]; sizes: number[] } {
  const k = centroids.length;
  const sizes = new Array<number>(k).fill(0);
  for (const c of assignments) sizes[c]! += 1;
  const order = Array.from({ length: k }, (_, c) => c).sort(
    (a, b) => sizes[b]! - sizes[a]! || compareVectors(centroids[a]!, centroids[b]!) || a - b,
  );
  const newId = new Int32Array(k);
  order.forEach((old, id) => {
    newId[old] = id;
  });
  const relabelled = new Array<number>(assignments.length);
  for (let i = 0; i < assignments.length; i++) relabelled[i] = newId[assignments[i]!]!;
  return {
    assignments: relabelled,
    centroids: order.map((old) => [...centroids[old]!]),
    sizes: order.map((old) => sizes[old]!),
  };
}

/**
 * The fallback when no k >= 2 is possible: n = 2 (k is capped at n - 1), or no
 * k in the range gives a clustering without empty segments (e.g. every row is
 * identical). Everyone is one segment; silhouette, Davies-Bouldin and
 * Calinski-Harabasz are undefined for one cluster and reported as 0, and perK
 * is empty, which is how a caller can tell.
 */
function singleSegment(matrix: readonly (readonly number[])[]): SegmentationResult {
  const n = matrix.length;
  const d = matrix[0]!.length;
  const centroid = new Array<number>(d).fill(0);
  for (const row of matrix) for (let j = 0; j < d; j++) centroid[j]! += row[j]! / n;
  const assignments = new Array<number>(n).fill(0);
  const { inertia } = scoreRun(matrix, assignments, [centroid], 1);
  return {
    k: 1,
    centroids: [centroid],
    assignments,
    sizes: [n],
    metrics: {
      chosenK: 1,
      silhouette: 0,
      daviesBouldin: 0,
      calinskiHarabasz: 0,
      inertia,
      perK: [],
      kChoice: { method: 'single-segment', k: 1, reason: 'no k >= 2 gives segments without an empty one (too few distinct customers)', ambiguous: true, candidates: [] },
    },
  };
}

/**
 * Merging segments that are not distinguishable: while the chosen k has a pair
 * of segments with no density valley between them (k-choice.ts
 * indistinctPairs), step down to the fitted k - 1, which k-means re-optimised
 * rather than a plain union of the two, and say so in the reason.
 */
function* mergeIndistinct(
  matrix: number[][],
  fitted: ReadonlyArray<{ candidate: Candidate }>,
  choice: KChoice,
  seed: number,
): Generator<void, KChoice> {
  let k = choice.k;
  const merged: string[] = [];
  for (;;) {
    yield;
    const current = fitted.find((f) => f.candidate.k === k)!;
    const pairs = indistinctPairs(matrix, current.candidate.assignments, current.candidate.centroids, seed);
    const smaller = fitted.find((f) => f.candidate.k === k - 1);
    if (pairs.length === 0 || smaller === undefined) break;
    merged.push(`k = ${k} had ${pairs.length} pair${pairs.length === 1 ? '' : 's'} of segments with no valley between them`);
    k -= 1;
  }
  if (merged.length === 0) return choice;
  return { ...choice, k, reason: `${choice.reason}; ${merged.join(', ')}, so k = ${k} (indistinguishable segments merged)` };
}

/**
 * Segments the rows of `matrix` (already transformed and scaled) with k-means,
 * choosing k by k-choice.ts. Deterministic for a given matrix and options.
 * Throws a RangeError for fewer than 2 rows, ragged or non-finite input, or
 * bad options. With 2 rows, or when no k in the range yields a clustering
 * without empty segments (e.g. all rows identical), everyone is one segment
 * (k = 1, perK empty).
 */
export function trainSegmentation(matrix: number[][], options: SegmentationOptions = {}): SegmentationResult {
  return runSteps(segmentationSteps(matrix, options));
}

/** trainSegmentation, pausing inside every k-means fit and between the steps around it (see model/steps.ts). */
export function* segmentationSteps(matrix: number[][], options: SegmentationOptions = {}): Generator<void, SegmentationResult> {
  validate(matrix);
  const n = matrix.length;
  const restarts = positiveInteger(options.seeds ?? 5, 'seeds', 1);
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const maxIterations = positiveInteger(options.maxIterations ?? 100, 'maxIterations', 1);
  const sampleSize = positiveInteger(options.silhouetteSample ?? DEFAULT_SILHOUETTE_SAMPLE, 'silhouetteSample', 2);
  const ks = kRange(n, options);
  const fitSample = options.fitSample === undefined ? n : positiveInteger(options.fitSample, 'fitSample', 2);
  // A sampled fit only pays off when it leaves rows out; the k range stays that of all rows.
  // Sampled rows are copied: fresh arrays sit together in memory, and k-means
  // over them runs about 3x faster than over rows scattered across a 1M heap.
  const fitRows = fitSample < n ? Array.from(sampleIndices(n, fitSample, seed), (i) => [...matrix[i]!]) : matrix;

  const packed = packRows(fitRows);
  const perK: KMetrics[] = [];
  const fitted: Array<{ candidate: Candidate; metrics: ClusterMetrics }> = [];
  for (const k of ks) {
    if (k < 2 || k >= fitRows.length) continue;
    const best = yield* bestRunForK(fitRows, packed, k, restarts, seed, maxIterations);
    yield;
    const candidate = best !== undefined && fitRows !== matrix ? extendToAll(matrix, best) : best;
    if (candidate === undefined) continue;
    yield;
    const metrics = clusterMetrics(matrix, candidate.assignments, { sampleSize, seed });
    perK.push({ k, ...metrics });
    fitted.push({ candidate, metrics });
    yield;
  }
  if (fitted.length === 0) return singleSegment(matrix);

  let kChoice: KChoice;
  if (options.k !== undefined) {
    const k = fitted[0]!.candidate.k;
    kChoice = { method: 'fixed', k, reason: `k = ${k} was fixed by the run's input`, ambiguous: false, candidates: [] };
  } else {
    kChoice = chooseK(yield* scoreCandidateSteps(fitRows, fitted.map((f) => f.candidate), seed));
    kChoice = yield* mergeIndistinct(matrix, fitted, kChoice, seed);
  }
  const chosen = fitted.find((f) => f.candidate.k === kChoice.k)!;

  const { assignments, centroids, sizes } = relabelBySize(chosen.candidate.assignments, chosen.candidate.centroids);
  return {
    k: chosen.candidate.k,
    centroids,
    assignments,
    sizes,
    metrics: { chosenK: chosen.candidate.k, ...chosen.metrics, perK, kChoice },
  };
}
