import { describe, expect, it } from 'vitest';
import { kmeansFlat, packRows } from '../../activities/model/kmeans-flat.ts';
import { adjustedRandIndex, mulberry32 } from '../../activities/model/cluster-metrics.ts';

describe('kmeansFlat', () => {
  const random = mulberry32(5);
  const centres = [
    [0, 0, 0],
    [6, 0, 0],
    [0, 6, 6],
  ];
  const truth: number[] = [];
  const rows = Array.from({ length: 600 }, (_, i) => {
    truth.push(i % 3);
    return centres[i % 3]!.map((c) => c + random() - 0.5);
  });
  const { data, n, d } = packRows(rows);

  it('packs rows row-major', () => {
    expect(Array.from(packRows([[1, 2], [3, 4]]).data)).toEqual([1, 2, 3, 4]);
  });

  it('finds separated groups, with centroids at their means, the same way for the same seed', () => {
    const result = kmeansFlat(data, n, d, 3, { seed: 9, maxIterations: 100 });
    expect(adjustedRandIndex(result.clusters, truth)).toBe(1);
    for (const [c, centroid] of result.centroids.entries()) {
      const members = rows.filter((_, i) => result.clusters[i] === c);
      for (let j = 0; j < d; j++) {
        expect(centroid[j]).toBeCloseTo(members.reduce((sum, row) => sum + row[j]!, 0) / members.length, 9);
      }
    }
    expect(result.iterations).toBeLessThan(100);
    expect(kmeansFlat(data, n, d, 3, { seed: 9, maxIterations: 100 })).toEqual(result);
  });

  it('throws when there are fewer distinct points than k', () => {
    const same = packRows([[1, 1], [1, 1], [1, 1], [2, 2]]);
    expect(() => kmeansFlat(same.data, same.n, same.d, 3, { seed: 1, maxIterations: 10 })).toThrow(/fewer than 3 distinct/);
    const two = kmeansFlat(same.data, same.n, same.d, 2, { seed: 1, maxIterations: 10 }).clusters;
    expect(new Set(two.slice(0, 3)).size).toBe(1);
    expect(two[3]).not.toBe(two[0]);
  });
});

describe('kmeansFlat against ml-kmeans', () => {
  // ml-kmeans is the reference implementation: from the same starting centres,
  // our typed-array Lloyd loop must reach the same clusters and centroids.
  it('agrees with ml-kmeans from the same initial centres on overlapping groups', async () => {
    const { kmeans } = await import('ml-kmeans');
    const random = mulberry32(11);
    const rows = Array.from({ length: 900 }, (_, i) => {
      const centre = [[0, 0], [2, 0.5], [1, 2]][i % 3]!;
      return centre.map((c) => c + (random() - 0.5) * 2.5); // groups overlap: Lloyd's path matters
    });
    const start = [rows[0]!, rows[1]!, rows[2]!];
    const reference = kmeans(rows, 3, { initialization: start.map((r) => [...r]), maxIterations: 300, tolerance: 0 });
    const { data, n, d } = packRows(rows);
    const ours = kmeansFlat(data, n, d, 3, { seed: 1, maxIterations: 300, initialCentres: start });
    expect(ours.clusters).toEqual(reference.clusters);
    for (const [c, centroid] of ours.centroids.entries()) {
      for (let j = 0; j < d; j++) expect(centroid[j]).toBeCloseTo(reference.centroids[c]![j]!, 9);
    }
  });
});
