import { describe, expect, it } from 'vitest';
import {
  adjustedRandIndex,
  calinskiHarabaszIndex,
  clusterCentroids,
  clusterMetrics,
  daviesBouldinIndex,
  inertia,
  mulberry32,
  sampleIndices,
  silhouetteScore,
} from '../../activities/model/cluster-metrics.ts';

// Hand-checked cases.
// A: 1-D points 0, 1 | 10, 11.
//   silhouette: 0 -> a=1, b=10.5; 1 -> a=1, b=9.5; 10 -> a=1, b=9.5; 11 -> a=1, b=10.5
//   = (2*9.5/10.5 + 2*8.5/9.5) / 4
//   Davies-Bouldin: centroids 0.5, 10.5, spreads 0.5 each: (0.5+0.5)/10 = 0.1
//   Calinski-Harabasz: mean 5.5, B = 4*25 = 100, W = 4*0.25 = 1: (100/1)/(1/2) = 200
//   inertia: 1
const A = [[0], [1], [10], [11]];
const A_LABELS = [0, 0, 1, 1];

// B: 1-D points 0, 2 | 5 | 9 (two singletons).
//   silhouette: 0 -> a=2, b=min(5,9)=5 -> 0.6; 2 -> a=2, b=min(3,7)=3 -> 1/3; singletons 0 -> (0.6+1/3)/4
//   Davies-Bouldin: centroids 1, 5, 9; spreads 1, 0, 0:
//     c0 max(1/4, 1/8) = .25; c1 max(1/4, 0/4) = .25; c2 max(1/8, 0/4) = .125 -> 0.625/3
//   Calinski-Harabasz: mean 4, B = 2*9 + 1 + 25 = 44, W = 2: (44/2)/(2/1) = 11
const B = [[0], [2], [5], [9]];
const B_LABELS = [0, 0, 1, 2];

// C: 2-D square (0,0),(0,2) | (4,0),(4,2).
//   each point: a = 2, b = (4 + sqrt(20))/2 -> s = (b - a)/b
//   Davies-Bouldin: spreads 1, centroid distance 4: 0.5
//   Calinski-Harabasz: mean (2,1), B = 4*4 = 16, W = 4: (16/1)/(4/2) = 8
const C = [
  [0, 0],
  [0, 2],
  [4, 0],
  [4, 2],
];
const C_LABELS = [0, 0, 1, 1];

function naiveSilhouette(points: number[][], labels: number[]): number {
  const dist = (p: number[], q: number[]) => Math.sqrt(p.reduce((s, v, j) => s + (v - q[j]!) ** 2, 0));
  const clusters = [...new Set(labels)];
  let total = 0;
  points.forEach((p, i) => {
    const own = labels[i]!;
    const members = points.filter((_, j) => labels[j] === own && j !== i);
    if (members.length === 0) return;
    const a = members.reduce((s, q) => s + dist(p, q), 0) / members.length;
    let b = Infinity;
    for (const c of clusters) {
      if (c === own) continue;
      const others = points.filter((_, j) => labels[j] === c);
      b = Math.min(b, others.reduce((s, q) => s + dist(p, q), 0) / others.length);
    }
    total += (b - a) / Math.max(a, b);
  });
  return total / points.length;
}

describe('cluster metrics on hand-checked cases', () => {
  it('two 1-D pairs', () => {
    expect(silhouetteScore(A, A_LABELS)).toBeCloseTo((2 * 9.5) / 10.5 / 4 + (2 * 8.5) / 9.5 / 4, 12);
    expect(daviesBouldinIndex(A, A_LABELS)).toBeCloseTo(0.1, 12);
    expect(calinskiHarabaszIndex(A, A_LABELS)).toBeCloseTo(200, 9);
    expect(inertia(A, A_LABELS)).toBeCloseTo(1, 12);
  });

  it('a pair and two singletons', () => {
    expect(silhouetteScore(B, B_LABELS)).toBeCloseTo((0.6 + 1 / 3) / 4, 12);
    expect(daviesBouldinIndex(B, B_LABELS)).toBeCloseTo(0.625 / 3, 12);
    expect(calinskiHarabaszIndex(B, B_LABELS)).toBeCloseTo(11, 9);
    expect(inertia(B, B_LABELS)).toBeCloseTo(2, 12);
  });

  it('a 2-D square', () => {
    const b = (4 + Math.sqrt(20)) / 2;
    expect(silhouetteScore(C, C_LABELS)).toBeCloseTo((b - 2) / b, 12);
    expect(daviesBouldinIndex(C, C_LABELS)).toBeCloseTo(0.5, 12);
    expect(calinskiHarabaszIndex(C, C_LABELS)).toBeCloseTo(8, 9);
    expect(inertia(C, C_LABELS)).toBeCloseTo(4, 12);
  });

  it('clusterMetrics agrees with the single measures', () => {
    expect(clusterMetrics(B, B_LABELS)).toEqual({
      silhouette: silhouetteScore(B, B_LABELS),
      daviesBouldin: daviesBouldinIndex(B, B_LABELS),
      calinskiHarabasz: calinskiHarabaszIndex(B, B_LABELS),
      inertia: inertia(B, B_LABELS),
    });
  });

  it('labels are compared for equality only', () => {
    const odd = [7, 7, -3.5, -3.5];
    expect(silhouetteScore(A, odd)).toBeCloseTo(silhouetteScore(A, A_LABELS), 12);
    expect(daviesBouldinIndex(A, odd)).toBeCloseTo(0.1, 12);
    expect(calinskiHarabaszIndex(A, odd)).toBeCloseTo(200, 9);
    expect(inertia(A, [5, 5, 1, 1])).toBeCloseTo(1, 12);
  });

  it('inertia against given centroids', () => {
    expect(inertia(A, A_LABELS, [[0], [10]])).toBe(0 + 1 + 0 + 1);
  });

  it('clusterCentroids are the label means', () => {
    expect(clusterCentroids(C, C_LABELS)).toEqual([
      [0, 1],
      [4, 1],
    ]);
  });

  it('rejects one cluster and as many clusters as points', () => {
    expect(() => silhouetteScore(A, [0, 0, 0, 0])).toThrow(/number of clusters is 1/);
    expect(() => daviesBouldinIndex(A, [0, 1, 2, 3])).toThrow(/valid values are 2 to n - 1/);
    expect(() => calinskiHarabaszIndex(A, [0, 1])).toThrow(/2 labels for 4 points/);
  });

  it('silhouette matches a naive implementation on random data', () => {
    const random = mulberry32(7);
    const points = Array.from({ length: 90 }, (_, i) => [random() + (i % 3) * 0.7, random(), random() * 2]);
    const labels = points.map((_, i) => i % 3);
    expect(silhouetteScore(points, labels)).toBeCloseTo(naiveSilhouette(points, labels), 12);
  });
});

describe('silhouette sampling', () => {
  it('sampleIndices is distinct, sorted, in range and deterministic', () => {
    const sample = sampleIndices(100_000, 2000, 42);
    expect(sample.length).toBe(2000);
    expect(new Set(sample).size).toBe(2000);
    for (let i = 1; i < sample.length; i++) expect(sample[i]!).toBeGreaterThan(sample[i - 1]!);
    expect(sample[sample.length - 1]!).toBeLessThan(100_000);
    expect(sampleIndices(100_000, 2000, 42)).toEqual(sample);
    expect(sampleIndices(100_000, 2000, 43)).not.toEqual(sample);
    expect(Array.from(sampleIndices(5, 10, 1))).toEqual([0, 1, 2, 3, 4]);
  });

  it('the sampled silhouette is the silhouette of the sampled points', () => {
    const random = mulberry32(3);
    const points = Array.from({ length: 500 }, (_, i) => [random() + (i % 4), random()]);
    const labels = points.map((_, i) => i % 4);
    const sample = Array.from(sampleIndices(points.length, 120, 9));
    const expected = silhouetteScore(
      sample.map((i) => points[i]!),
      sample.map((i) => labels[i]!),
      { sampleSize: 10_000 },
    );
    expect(silhouetteScore(points, labels, { sampleSize: 120, seed: 9 })).toBeCloseTo(expected, 12);
    expect(silhouetteScore(points, labels, { sampleSize: 120, seed: 9 })).toBe(
      silhouetteScore(points, labels, { sampleSize: 120, seed: 9 }),
    );
  });
});

describe('adjustedRandIndex', () => {
  it('matches the reference values', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(4 / 7, 12);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(4 / 7, 12);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
  });

  it('scores trivial partitions against themselves as 1', () => {
    expect(adjustedRandIndex([3, 3, 3], [1, 1, 1])).toBe(1);
    expect(adjustedRandIndex([0, 1, 2], [2, 0, 1])).toBe(1);
  });

  it('is near 0 for independent labelings and symmetric', () => {
    const random = mulberry32(11);
    const a = Array.from({ length: 20_000 }, () => Math.floor(random() * 5));
    const b = Array.from({ length: 20_000 }, () => Math.floor(random() * 4));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.01);
    expect(adjustedRandIndex(a, b)).toBeCloseTo(adjustedRandIndex(b, a), 12);
  });

  it('rejects labelings of different length', () => {
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(/2 labels against 1/);
  });
});
