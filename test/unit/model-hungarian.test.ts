import { describe, expect, it } from 'vitest';
import { hungarian } from '../../activities/model/hungarian.ts';
import { mulberry32 } from '../../activities/model/cluster-metrics.ts';

/** Exhaustive minimum over all injections of rows into columns (rows <= cols), for checking. */
function bruteForce(cost: number[][]): number {
  const cols = cost[0]!.length;
  let best = Infinity;
  const used = new Array<boolean>(cols).fill(false);
  const walk = (row: number, total: number): void => {
    if (row === cost.length) {
      best = Math.min(best, total);
      return;
    }
    for (let j = 0; j < cols; j++) {
      if (used[j]) continue;
      used[j] = true;
      walk(row + 1, total + cost[row]![j]!);
      used[j] = false;
    }
  };
  walk(0, 0);
  return best;
}

const total = (cost: number[][], assignment: number[]) =>
  assignment.reduce((sum, j, i) => sum + (j >= 0 ? cost[i]![j]! : 0), 0);

describe('hungarian', () => {
  it('finds the optimum where greedy nearest matching does not', () => {
    // Greedy takes (0,0)=1 first and is then forced into (1,1)=10: total 11; the optimum is 2 + 3 = 5.
    const cost = [
      [1, 2],
      [3, 10],
    ];
    expect(hungarian(cost)).toEqual([1, 0]);
  });

  it('matches brute force on random square and rectangular matrices', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 40; trial++) {
      const rows = 1 + Math.floor(random() * 5);
      const cols = rows + Math.floor(random() * 3);
      const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.round(random() * 20)));
      const assignment = hungarian(cost);
      expect(new Set(assignment).size).toBe(rows);
      expect(assignment.every((j) => j >= 0 && j < cols)).toBe(true);
      expect(total(cost, assignment)).toBe(bruteForce(cost));
    }
  });

  it('leaves the surplus rows unassigned when there are more rows than columns', () => {
    const cost = [
      [5, 9],
      [1, 8],
      [7, 2],
    ];
    const assignment = hungarian(cost);
    expect(assignment).toEqual([-1, 0, 1]);
  });

  it('rejects ragged or non-finite costs', () => {
    expect(() => hungarian([[1, 2], [3]])).toThrow(/row 1 has 1 columns/);
    expect(() => hungarian([[Number.NaN]])).toThrow(/non-finite/);
    expect(hungarian([])).toEqual([]);
  });
});
