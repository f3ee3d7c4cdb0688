import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, mulberry32 } from '../../activities/model/cluster-metrics.ts';
import { assignNearest, kRange, relabelBySize, trainSegmentation } from '../../activities/model/segmentation.ts';

/** Gaussian blobs: `sizes[b]` points around centre b (well separated), shuffled. */
function blobs(sizes: number[], dims: number, seed: number): { points: number[][]; truth: number[] } {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = sizes.map(() => Array.from({ length: dims }, () => (random() - 0.5) * 40));
  const rows: Array<{ point: number[]; blob: number }> = [];
  sizes.forEach((size, blob) => {
    for (let i = 0; i < size; i++) rows.push({ point: centres[blob]!.map((c) => c + gaussian()), blob });
  });
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return { points: rows.map((r) => r.point), truth: rows.map((r) => r.blob) };
}

describe('trainSegmentation', () => {
  const { points, truth } = blobs([400, 300, 200, 100], 5, 1);

  it('recovers four well-separated blobs and picks k = 4 from 2..7', () => {
    const result = trainSegmentation(points, { kMin: 2, kMax: 7, seeds: 3 });
    expect(result.k).toBe(4);
    expect(result.metrics.chosenK).toBe(4);
    expect(result.metrics.perK.map((m) => m.k)).toEqual([2, 3, 4, 5, 6, 7]);
    const best = Math.max(...result.metrics.perK.map((m) => m.silhouette));
    expect(result.metrics.silhouette).toBe(best);
    // Each blob maps to exactly one segment, and the segments are distinct;
    // blobs were generated largest first, so blob b is segment b.
    for (let blob = 0; blob < 4; blob++) {
      const segments = new Set(result.assignments.filter((_, i) => truth[i] === blob));
      expect([...segments]).toEqual([blob]);
    }
    expect(adjustedRandIndex(result.assignments, truth)).toBe(1);
    expect(result.sizes).toEqual([400, 300, 200, 100]);
    expect(result.centroids).toHaveLength(4);
    expect(result.metrics.daviesBouldin).toBeGreaterThan(0);
    expect(result.metrics.calinskiHarabasz).toBeGreaterThan(0);
    expect(result.metrics.inertia).toBeGreaterThan(0);
  });

  it('fits on a sample and assigns every row when fitSample is set', () => {
    const result = trainSegmentation(points, { kMin: 2, kMax: 6, seeds: 2, fitSample: 200 });
    expect(result.k).toBe(4);
    expect(result.assignments).toHaveLength(points.length);
    expect(adjustedRandIndex(result.assignments, truth)).toBe(1);
    expect(result.sizes).toEqual([400, 300, 200, 100]);
    expect(trainSegmentation(points, { kMin: 2, kMax: 6, seeds: 2, fitSample: 200 })).toEqual(result);
  });

  it('is deterministic for a seed', () => {
    const a = trainSegmentation(points, { kMin: 3, kMax: 5, seeds: 2, seed: 7 });
    const b = trainSegmentation(points.map((p) => [...p]), { kMin: 3, kMax: 5, seeds: 2, seed: 7 });
    expect(b).toEqual(a);
  });

  it('orders segments by descending size', () => {
    const result = trainSegmentation(points, { k: 6, seeds: 2 });
    expect(result.k).toBe(6);
    expect(result.metrics.perK.map((m) => m.k)).toEqual([6]);
    for (let s = 1; s < result.sizes.length; s++) expect(result.sizes[s]!).toBeLessThanOrEqual(result.sizes[s - 1]!);
    const counted = result.sizes.map((_, s) => result.assignments.filter((a) => a === s).length);
    expect(counted).toEqual(result.sizes);
  });

  it('caps k at n - 1 and handles tiny inputs', () => {
    const three = trainSegmentation([[0], [1], [10]]);
    expect(three.k).toBe(2);
    expect(three.assignments[0]).toBe(three.assignments[1]);
    expect(three.sizes).toEqual([2, 1]);

    const two = trainSegmentation([[0], [1]]);
    expect(two.k).toBe(1);
    expect(two.assignments).toEqual([0, 0]);
    expect(two.metrics.perK).toEqual([]);

    expect(() => trainSegmentation([[1, 2]])).toThrow(/cannot segment 1 customer: k-means needs at least 2 rows/);
    expect(() => trainSegmentation([])).toThrow(/cannot segment 0 customers/);
  });

  it('falls back to one segment when all rows are identical', () => {
    const same = Array.from({ length: 20 }, () => [1, 2, 3]);
    const result = trainSegmentation(same, { kMin: 2, kMax: 4 });
    expect(result.k).toBe(1);
    expect(result.centroids[0]![0]).toBeCloseTo(1, 12);
    expect(result.metrics.inertia).toBeCloseTo(0, 12);
  });

  it('copes with many duplicate rows', () => {
    const rows = [...Array.from({ length: 50 }, () => [0, 0]), ...Array.from({ length: 30 }, () => [5, 5]), [9, 0]];
    const result = trainSegmentation(rows, { kMin: 2, kMax: 5, seeds: 2 });
    expect(result.sizes.reduce((a, b) => a + b, 0)).toBe(81);
    expect(result.sizes.every((s) => s > 0)).toBe(true);
  });

  it('rejects bad input and options with clear messages', () => {
    expect(() => trainSegmentation([[0], [1, 2]])).toThrow(/row 1 has 2 features, expected 1/);
    expect(() => trainSegmentation([[0], [Number.NaN], [2]])).toThrow(/not a finite number/);
    expect(() => trainSegmentation(points, { kMin: 5, kMax: 3 })).toThrow(/kMin \(5\) is greater than kMax \(3\)/);
    expect(() => trainSegmentation(points, { k: 1 })).toThrow(/k must be an integer >= 2/);
    expect(() => trainSegmentation(points, { seeds: 0 })).toThrow(/seeds must be an integer >= 1/);
  });
});

describe('assignNearest', () => {
  it('picks the nearest centroid, ties to the lower index', () => {
    expect(assignNearest([[0], [4], [6], [5]], [[0], [10], [5]])).toEqual([0, 2, 2, 2]);
    expect(assignNearest([[1]], [[0], [2]])).toEqual([0]);
  });
});

describe('kRange', () => {
  it('defaults to 3..8 and caps at n - 1', () => {
    expect(kRange(1000, {})).toEqual([3, 4, 5, 6, 7, 8]);
    expect(kRange(6, {})).toEqual([3, 4, 5]);
    expect(kRange(3, {})).toEqual([2]);
    expect(kRange(1000, { k: 5, kMin: 2, kMax: 3 })).toEqual([5]);
    expect(kRange(4, { k: 9 })).toEqual([3]);
  });
});

describe('relabelBySize', () => {
  it('numbers segments by descending size, ties by centroid', () => {
    const result = relabelBySize(
      [2, 0, 1, 2, 3, 1, 2],
      [
        [5, 0],
        [1, 9],
        [0, 0],
        [1, 2],
      ],
    );
    // sizes: c0 = 1, c1 = 2, c2 = 3, c3 = 1; c0 and c3 tie -> by centroid: [1,2] < [5,0].
    expect(result.sizes).toEqual([3, 2, 1, 1]);
    expect(result.centroids).toEqual([
      [0, 0],
      [1, 9],
      [1, 2],
      [5, 0],
    ]);
    expect(result.assignments).toEqual([0, 3, 1, 0, 2, 1, 0]);
  });
});
