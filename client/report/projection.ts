/**
 * Principal component analysis down to two dimensions, for the report's
 * customer map. The inputs are already standard-scaled (the model's scaler),
 * so the components are those of the correlation structure the k-means saw.
 * d is the number of model features (about 15), so a Jacobi eigen
 * decomposition of the d x d covariance is exact, deterministic and instant.
 */
export interface Projection {
  /** One [x, y] per input row, in input order. */
  points: Array<[number, number]>;
  /** Share of the total variance on each of the two axes, 0..1. */
  explained: [number, number];
}

export function project2d(matrix: readonly (readonly number[])[]): Projection {
  const n = matrix.length;
  const d = matrix[0]?.length ?? 0;
  if (n < 2 || d < 2) throw new RangeError(`a 2-D projection needs at least 2 rows and 2 columns (got ${n} x ${d})`);
  const means = new Array<number>(d).fill(0);
  for (const row of matrix) for (let j = 0; j < d; j++) means[j]! += row[j]! / n;
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const row of matrix) {
    for (let i = 0; i < d; i++) {
      const di = row[i]! - means[i]!;
      for (let j = i; j < d; j++) cov[i]![j]! += (di * (row[j]! - means[j]!)) / (n - 1);
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i]![j] = cov[j]![i]!;
  const { values, vectors } = jacobiEigen(cov);
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
  const axes = order.slice(0, 2).map((k) => {
    const axis = vectors.map((row) => row[k]!);
    // An eigenvector's sign is arbitrary: fix it so the largest loading is positive.
    const big = axis.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
    return big < 0 ? axis.map((v) => -v) : axis;
  });
  const total = values.reduce((s, v) => s + Math.max(v, 0), 0);
  const points = matrix.map((row) => {
    const p: [number, number] = [0, 0];
    for (let j = 0; j < d; j++) {
      const c = row[j]! - means[j]!;
      p[0] += c * axes[0]![j]!;
      p[1] += c * axes[1]![j]!;
    }
    return p;
  });
  const share = (k: number) => (total > 0 ? Math.max(values[order[k]!]!, 0) / total : 0);
  return { points, explained: [share(0), share(1)] };
}

/**
 * Eigenvalues and eigenvectors (as columns) of a symmetric matrix by cyclic
 * Jacobi rotations; converges quadratically, fine for the small d here.
 */
export function jacobiEigen(symmetric: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const d = symmetric.length;
  const a = symmetric.map((row) => [...row]);
  const v: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) off += a[i]![j]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]!), vectors: v };
}
