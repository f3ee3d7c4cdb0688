/**
 * Gauss-Legendre nodes and weights on [-1, 1] (Newton on the Legendre
 * polynomial from the Chebyshev guess, as in Numerical Recipes' gauleg):
 * exact for polynomials up to degree 2n - 1, and exponentially accurate for
 * the smooth, pole-free integrands of Pareto/NBD's P(no purchase).
 */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p0 = 1;
      let p1 = 0;
      for (let j = 1; j <= n; j++) {
        const p2 = p1;
        p1 = p0;
        p0 = ((2 * j - 1) * z * p1 - (j - 1) * p2) / j;
      }
      derivative = (n * (z * p0 - p1)) / (z * z - 1);
      const next = z - p0 / derivative;
      const done = Math.abs(next - z) < 1e-15;
      z = next;
      if (done) break;
    }
    nodes[i] = -z;
    nodes[n - 1 - i] = z;
    weights[i] = weights[n - 1 - i] = 2 / ((1 - z * z) * derivative * derivative);
  }
  return { nodes, weights };
}
