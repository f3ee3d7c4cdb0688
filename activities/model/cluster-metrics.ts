/**
 * Clustering quality measures, written as plain loops over number arrays so
 * they stay usable at 1M rows: one or two O(n*d) passes for inertia,
 * Davies-Bouldin and Calinski-Harabasz, and silhouette (O(m^2*d)) only on a
 * deterministic sample of m points. Definitions follow scikit-learn's, so the
 * numbers can be compared with the usual references:
 *
 * - inertia: sum of squared Euclidean distances of points to their centroid.
 * - silhouette: mean over points of (b - a) / max(a, b); a = mean distance to
 *   the other points of the own cluster, b = smallest mean distance to the
 *   points of another cluster; 0 for a point alone in its cluster. Higher is
 *   better, range -1..1.
 * - Davies-Bouldin: mean over clusters of max over other clusters of
 *   (s_i + s_j) / |c_i - c_j|, s = mean distance of members to the centroid.
 *   Lower is better, 0 at best.
 * - Calinski-Harabasz: [B / (k - 1)] / [W / (n - k)], B = between-cluster and
 *   W = within-cluster dispersion. Higher is better.
 *
 * Labels may be any numbers; they are compared for equality only. Centroids
 * are the means of each label's points. Every measure but inertia needs
 * 2 <= number of clusters <= n - 1 and throws a RangeError otherwise.
 */

export interface ClusterMetrics {
  silhouette: number;
  daviesBouldin: number;
  calinskiHarabasz: number;
  inertia: number;
}

export interface SilhouetteOptions {
  /** Points the silhouette is computed on (it is O(m^2)); default 2000. All points when n <= sampleSize. */
  sampleSize?: number;
  /** Seed of the sample; default 42. Same seed, same sample. */
  seed?: number;
}

export const DEFAULT_SILHOUETTE_SAMPLE = 2000;
const DEFAULT_SEED = 42;

type Matrix = readonly (readonly number[])[];

/** Labels renumbered 0..k-1 in order of first appearance, with cluster sizes. */
interface DenseLabels {
  ids: Int32Array;
  k: number;
  counts: Float64Array;
}

function denseLabels(labels: ArrayLike<number>): DenseLabels {
  const n = labels.length;
  const ids = new Int32Array(n);
  let max = -1;
  let small = true;
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label > 10_000_000) {
      small = false;
      break;
    }
    if (label > max) max = label;
  }
  let k = 0;
  if (small) {
    const remap = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < n; i++) {
      const label = labels[i]!;
      let id = remap[label]!;
      if (id < 0) {
        id = k++;
        remap[label] = id;
      }
      ids[i] = id;
    }
  } else {
    const remap = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const label = labels[i]!;
      let id = remap.get(label);
      if (id === undefined) {
        id = k++;
        remap.set(label, id);
      }
      ids[i] = id;
    }
  }
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[ids[i]!]! += 1;
  return { ids, k, counts };
}

function dimensions(matrix: Matrix, labels: ArrayLike<number>): { n: number; d: number } {
  const n = matrix.length;
  if (labels.length !== n) throw new RangeError(`${labels.length} labels for ${n} points`);
  const first = matrix[0];
  if (first === undefined) throw new RangeError('no points');
  const d = first.length;
  for (let i = 1; i < n; i++) {
    if (matrix[i]!.length !== d) throw new RangeError(`point ${i} has ${matrix[i]!.length} dimensions, expected ${d}`);
  }
  return { n, d };
}

function checkLabelCount(k: number, n: number, measure: string): void {
  if (k < 2 || k > n - 1) {
    throw new RangeError(`${measure}: number of clusters is ${k}; valid values are 2 to n - 1 = ${n - 1}`);
  }
}

/** Cluster means as one flat k*d array (row c = centroid of dense label c). */
function flatCentroids(matrix: Matrix, dense: DenseLabels, d: number): Float64Array {
  const { ids, k, counts } = dense;
  const centroids = new Float64Array(k * d);
  for (let i = 0; i < matrix.length; i++) {
    const row = matrix[i]!;
    const offset = ids[i]! * d;
    for (let j = 0; j < d; j++) centroids[offset + j]! += row[j]!;
  }
  for (let c = 0; c < k; c++) {
    const count = counts[c]!;
    for (let j = 0; j < d; j++) centroids[c * d + j]! /= count;
  }
  return centroids;
}

/**
 * One pass: per-cluster sum of squared distances to the centroid (inertia
 * parts) and sum of distances (Davies-Bouldin's s).
 */
function withinSums(
  matrix: Matrix,
  dense: DenseLabels,
  centroids: Float64Array,
  d: number,
): { squared: Float64Array; distances: Float64Array } {
  const squared = new Float64Array(dense.k);
  const distances = new Float64Array(dense.k);
  const ids = dense.ids;
  for (let i = 0; i < matrix.length; i++) {
    const row = matrix[i]!;
    const c = ids[i]!;
    const offset = c * d;
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const delta = row[j]! - centroids[offset + j]!;
      sum += delta * delta;
    }
    squared[c]! += sum;
    distances[c]! += Math.sqrt(sum);
  }
  return { squared, distances };
}

function sumOf(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

function daviesBouldinFrom(centroids: Float64Array, counts: Float64Array, distances: Float64Array, k: number, d: number): number {
  const spread = new Float64Array(k);
  let allSpreadZero = true;
  for (let c = 0; c < k; c++) {
    spread[c] = distances[c]! / counts[c]!;
    if (spread[c]! > 1e-12) allSpreadZero = false;
  }
  if (allSpreadZero) return 0;
  let total = 0;
  for (let a = 0; a < k; a++) {
    let worst = 0;
    for (let b = 0; b < k; b++) {
      if (a === b) continue;
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const delta = centroids[a * d + j]! - centroids[b * d + j]!;
        sum += delta * delta;
      }
      // Coinciding centroids contribute 0, as in scikit-learn (distance -> inf).
      if (sum === 0) continue;
      const ratio = (spread[a]! + spread[b]!) / Math.sqrt(sum);
      if (ratio > worst) worst = ratio;
    }
    total += worst;
  }
  return total / k;
}

function calinskiHarabaszFrom(
  matrix: Matrix,
  centroids: Float64Array,
  counts: Float64Array,
  within: number,
  k: number,
  d: number,
): number {
  const n = matrix.length;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    for (let j = 0; j < d; j++) mean[j]! += row[j]!;
  }
  for (let j = 0; j < d; j++) mean[j]! /= n;
  let between = 0;
  for (let c = 0; c < k; c++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const delta = centroids[c * d + j]! - mean[j]!;
      sum += delta * delta;
    }
    between += counts[c]! * sum;
  }
  if (within === 0) return 1;
  return (between * (n - k)) / (within * (k - 1));
}

/** Sum of squared distances of points to their cluster's centroid (the mean, unless centroids are given). */
export function inertia(matrix: Matrix, labels: ArrayLike<number>, centroids?: Matrix): number {
  const { n, d } = dimensions(matrix, labels);
  if (centroids !== undefined) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const centroid = centroids[labels[i]!];
      if (centroid === undefined) throw new RangeError(`label ${labels[i]} of point ${i} has no centroid`);
      const row = matrix[i]!;
      for (let j = 0; j < d; j++) {
        const delta = row[j]! - centroid[j]!;
        total += delta * delta;
      }
    }
    return total;
  }
  const dense = denseLabels(labels);
  const flat = flatCentroids(matrix, dense, d);
  return sumOf(withinSums(matrix, dense, flat, d).squared);
}

/** Davies-Bouldin index; lower is better. */
export function daviesBouldinIndex(matrix: Matrix, labels: ArrayLike<number>): number {
  const { n, d } = dimensions(matrix, labels);
  const dense = denseLabels(labels);
  checkLabelCount(dense.k, n, 'Davies-Bouldin');
  const flat = flatCentroids(matrix, dense, d);
  const { distances } = withinSums(matrix, dense, flat, d);
  return daviesBouldinFrom(flat, dense.counts, distances, dense.k, d);
}

/** Calinski-Harabasz index (variance ratio); higher is better; 1 when every cluster is a single point value. */
export function calinskiHarabaszIndex(matrix: Matrix, labels: ArrayLike<number>): number {
  const { n, d } = dimensions(matrix, labels);
  const dense = denseLabels(labels);
  checkLabelCount(dense.k, n, 'Calinski-Harabasz');
  const flat = flatCentroids(matrix, dense, d);
  const within = sumOf(withinSums(matrix, dense, flat, d).squared);
  return calinskiHarabaszFrom(matrix, flat, dense.counts, within, dense.k, d);
}

/** 32-bit PRNG (mulberry32): small, fast, same sequence everywhere. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform sample of `size` distinct indices from 0..n-1, sorted ascending,
 * fully determined by (n, size, seed). Floyd's algorithm: O(size), not O(n).
 * All indices when size >= n.
 */
export function sampleIndices(n: number, size: number, seed: number = DEFAULT_SEED): Int32Array {
  if (size >= n) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const random = mulberry32(seed);
  const chosen = new Set<number>();
  for (let j = n - size; j < n; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from(chosen).sort();
}

/** Silhouette over the sample; ids are dense labels over the whole data set. */
function silhouetteOnSample(matrix: Matrix, ids: Int32Array, k: number, d: number, sample: Int32Array): number {
  const m = sample.length;
  const points = new Float64Array(m * d);
  const labels = new Int32Array(m);
  const counts = new Float64Array(k);
  for (let s = 0; s < m; s++) {
    const index = sample[s]!;
    const row = matrix[index]!;
    for (let j = 0; j < d; j++) points[s * d + j] = row[j]!;
    labels[s] = ids[index]!;
    counts[labels[s]!]! += 1;
  }
  let present = 0;
  for (let c = 0; c < k; c++) if (counts[c]! > 0) present++;
  // A sample that caught only one cluster cannot measure separation.
  if (present < 2) return 0;

  // sums[s * k + c] = total distance from sample point s to sample points in cluster c.
  const sums = new Float64Array(m * k);
  for (let a = 0; a < m; a++) {
    const aOffset = a * d;
    const aLabel = labels[a]!;
    for (let b = a + 1; b < m; b++) {
      const bOffset = b * d;
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const delta = points[aOffset + j]! - points[bOffset + j]!;
        sum += delta * delta;
      }
      const distance = Math.sqrt(sum);
      sums[a * k + labels[b]!]! += distance;
      sums[b * k + aLabel]! += distance;
    }
  }

  let total = 0;
  for (let s = 0; s < m; s++) {
    const own = labels[s]!;
    const ownCount = counts[own]!;
    if (ownCount <= 1) continue; // a point alone in its cluster scores 0
    const a = sums[s * k + own]! / (ownCount - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c === own || counts[c]! === 0) continue;
      const mean = sums[s * k + c]! / counts[c]!;
      if (mean < b) b = mean;
    }
    const scale = Math.max(a, b);
    if (scale > 0) total += (b - a) / scale;
  }
  return total / m;
}

/**
 * Mean silhouette coefficient; higher is better (-1..1). Computed on a
 * deterministic sample of `sampleSize` points (default 2000), the
 * scikit-learn `sample_size` way: distances among sampled points only.
 * Returns 0 when the sample holds only one cluster.
 */
export function silhouetteScore(matrix: Matrix, labels: ArrayLike<number>, options: SilhouetteOptions = {}): number {
  const { n, d } = dimensions(matrix, labels);
  const dense = denseLabels(labels);
  checkLabelCount(dense.k, n, 'silhouette');
  const sample = sampleIndices(n, options.sampleSize ?? DEFAULT_SILHOUETTE_SAMPLE, options.seed ?? DEFAULT_SEED);
  return silhouetteOnSample(matrix, dense.ids, dense.k, d, sample);
}

/** All four measures, sharing the centroid and within-cluster passes. */
export function clusterMetrics(matrix: Matrix, labels: ArrayLike<number>, options: SilhouetteOptions = {}): ClusterMetrics {
  const { n, d } = dimensions(matrix, labels);
  const dense = denseLabels(labels);
  checkLabelCount(dense.k, n, 'cluster metrics');
  const flat = flatCentroids(matrix, dense, d);
  const { squared, distances } = withinSums(matrix, dense, flat, d);
  const within = sumOf(squared);
  const sample = sampleIndices(n, options.sampleSize ?? DEFAULT_SILHOUETTE_SAMPLE, options.seed ?? DEFAULT_SEED);
  return {
    silhouette: silhouetteOnSample(matrix, dense.ids, dense.k, d, sample),
    daviesBouldin: daviesBouldinFrom(flat, dense.counts, distances, dense.k, d),
    calinskiHarabasz: calinskiHarabaszFrom(matrix, flat, dense.counts, within, dense.k, d),
    inertia: within,
  };
}

/** Cluster means, indexed by label; labels must be integers 0..k-1 (k = max label + 1). Empty labels get NaN rows. */
export function clusterCentroids(matrix: Matrix, labels: ArrayLike<number>, k?: number): number[][] {
  const { n, d } = dimensions(matrix, labels);
  let count = k ?? 0;
  if (k === undefined) {
    for (let i = 0; i < n; i++) if (labels[i]! + 1 > count) count = labels[i]! + 1;
  }
  const sums = new Float64Array(count * d);
  const sizes = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= count) {
      throw new RangeError(`label ${label} of point ${i} is not an integer in 0..${count - 1}`);
    }
    sizes[label]! += 1;
    const row = matrix[i]!;
    for (let j = 0; j < d; j++) sums[label * d + j]! += row[j]!;
  }
  const centroids: number[][] = [];
  for (let c = 0; c < count; c++) {
    const centroid = new Array<number>(d);
    for (let j = 0; j < d; j++) centroid[j] = sums[c * d + j]! / sizes[c]!;
    centroids.push(centroid);
  }
  return centroids;
}

function pairs(x: number): number {
  return (x * (x - 1)) / 2;
}

/**
 * Adjusted Rand index between two labelings of the same points (Hubert and
 * Arabie 1985): 1 for identical partitions up to renaming, about 0 for
 * random ones, negative when worse than chance. Like scikit-learn, two
 * partitions that are both trivial (one cluster, or all singletons) score 1.
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new RangeError(`adjustedRandIndex: ${a.length} labels against ${b.length}`);
  if (n < 2) return 1;
  const da = denseLabels(a);
  const db = denseLabels(b);
  let sumCells = 0;
  if (da.k * db.k <= 4_000_000) {
    const table = new Float64Array(da.k * db.k);
    for (let i = 0; i < n; i++) table[da.ids[i]! * db.k + db.ids[i]!]! += 1;
    for (let i = 0; i < table.length; i++) if (table[i]! > 1) sumCells += pairs(table[i]!);
  } else {
    const table = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const key = da.ids[i]! * db.k + db.ids[i]!;
      table.set(key, (table.get(key) ?? 0) + 1);
    }
    for (const count of table.values()) sumCells += pairs(count);
  }
  let sumA = 0;
  for (let c = 0; c < da.k; c++) sumA += pairs(da.counts[c]!);
  let sumB = 0;
  for (let c = 0; c < db.k; c++) sumB += pairs(db.counts[c]!);
  const expected = (sumA * sumB) / pairs(n);
  const maximum = (sumA + sumB) / 2;
  const denominator = maximum - expected;
  if (denominator === 0) return 1;
  return (sumCells - expected) / denominator;
}
