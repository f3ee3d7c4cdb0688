/**
 * Minimum-cost assignment (the Hungarian method, in the O(n^2 m) potentials
 * form of Kuhn-Munkres / Jonker-Volgenant) for an n x m cost matrix, n <= m
 * or n > m: every row gets a distinct column when n <= m, every column a
 * distinct row when n > m; the rest stay unassigned (-1).
 *
 * Written here because no maintained package for it is installed and it is
 * small; k is at most a few dozen segments, so speed does not matter, but
 * exactness does (greedy nearest-centroid matching can swap two segments).
 */
export function hungarian(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const cols = cost[0]?.length ?? 0;
  if (rows === 0) return [];
  for (const [i, row] of cost.entries()) {
    if (row.length !== cols) throw new RangeError(`cost row ${i} has ${row.length} columns, expected ${cols}`);
    for (const value of row) if (!Number.isFinite(value)) throw new RangeError(`cost row ${i} holds a non-finite value`);
  }
  if (cols === 0) return new Array<number>(rows).fill(-1);
  // The algorithm needs rows <= columns; solve the transpose otherwise.
  if (rows > cols) {
    const transposed = Array.from({ length: cols }, (_, j) => cost.map((row) => row[j]!));
    const colToRow = hungarian(transposed);
    const out = new Array<number>(rows).fill(-1);
    colToRow.forEach((row, col) => {
      if (row >= 0) out[row] = col;
    });
    return out;
  }
  // 1-based arrays as in the classic formulation; u, v are the potentials,
  // p[j] the row matched to column j, way[j] the previous column on the path.
  const u = new Float64Array(rows + 1);
  const v = new Float64Array(cols + 1);
  const p = new Int32Array(cols + 1);
  const way = new Int32Array(cols + 1);
  for (let i = 1; i <= rows; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(cols + 1).fill(Infinity);
    const used = new Uint8Array(cols + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= cols; j++) {
        if (used[j]) continue;
        const reduced = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (reduced < minv[j]!) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= cols; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= cols; j++) if (p[j]! > 0) out[p[j]! - 1] = j - 1;
  return out;
}
