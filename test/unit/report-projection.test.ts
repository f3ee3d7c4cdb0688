import { describe, expect, it } from 'vitest';
import { jacobiEigen, project2d } from '../../client/report/projection.ts';

/** A small deterministic generator, so the test data is the same every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('report projection (PCA to 2-D)', () => {
  it('finds the eigenpairs of a symmetric matrix', () => {
    // [[2,1],[1,2]] has eigenvalues 3 and 1 with eigenvectors (1,1)/√2 and (1,-1)/√2.
    const { values, vectors } = jacobiEigen([
      [2, 1],
      [1, 2],
    ]);
    expect([...values].sort((a, b) => b - a)).toEqual([expect.closeTo(3, 12), expect.closeTo(1, 12)]);
    const big = values[0]! > values[1]! ? 0 : 1;
    expect(Math.abs(vectors[0]![big]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(Math.abs(vectors[1]![big]!)).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('A·v = λ·v for every eigenpair of a random covariance matrix', () => {
    const rand = lcg(7);
    const d = 6;
    const rows = Array.from({ length: 50 }, () => Array.from({ length: d }, () => rand() - 0.5));
    const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[i]! * r[j]!, 0)));
    const { values, vectors } = jacobiEigen(cov);
    for (let k = 0; k < d; k++) {
      for (let i = 0; i < d; i++) {
        const av = cov[i]!.reduce((s, a, j) => s + a * vectors[j]![k]!, 0);
        expect(av).toBeCloseTo(values[k]! * vectors[i]![k]!, 9);
      }
    }
  });

  it('puts the direction of largest spread on the first axis and reports the variance shares', () => {
    // Points stretched along (1, 1, 0) with sd 10, along (1, -1, 0) with sd 2, and noise sd 0.1 on z.
    const rand = lcg(42);
    const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    const rows = Array.from({ length: 4000 }, () => {
      const a = 10 * normal();
      const b = 2 * normal();
      return [(a + b) / Math.SQRT2, (a - b) / Math.SQRT2, 0.1 * normal()];
    });
    const { points, explained } = project2d(rows);
    expect(points).toHaveLength(rows.length);
    // Variances 100 : 4 : 0.01 of a total 104.01.
    expect(explained[0]).toBeCloseTo(100 / 104.01, 1);
    expect(explained[1]).toBeCloseTo(4 / 104.01, 1);
    // The first coordinate is the projection on (1,1,0)/√2 (up to the centring).
    const i = 17;
    const expected = (rows[i]![0]! + rows[i]![1]!) / Math.SQRT2;
    const mean = rows.reduce((s, r) => s + (r[0]! + r[1]!) / Math.SQRT2, 0) / rows.length;
    expect(points[i]![0]).toBeCloseTo(expected - mean, 1);
  });

  it('is deterministic: the same input gives the same map, signs included', () => {
    const rand = lcg(3);
    const rows = Array.from({ length: 200 }, () => [rand(), rand() * 3, rand() * 0.5, rand()]);
    expect(project2d(rows)).toEqual(project2d(rows.map((r) => [...r])));
  });

  it('refuses a matrix too small to project', () => {
    expect(() => project2d([[1, 2]])).toThrow(/at least 2 rows and 2 columns/);
    expect(() => project2d([[1], [2]])).toThrow(/at least 2 rows and 2 columns/);
  });
});
