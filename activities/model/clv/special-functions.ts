/**
 * The special functions BG/NBD, Pareto/NBD and Gamma-Gamma need, in double precision:
 * log Γ (Lanczos, g = 7, 9 terms; relative error ~1e-15 for x > 0) and the
 * Gauss hypergeometric 2F1(a, b; c; z) for 0 <= z < 1 by its power series,
 * which is all the conditional expectation of BG/NBD uses (z = t / (alpha + T + t)),
 * and its logarithm without overflow for Pareto/NBD.
 */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** 2F1(a, b; c; z) for 0 <= z < 1, summed until a term is below 1e-15 of the total. */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1 series needs 0 <= z < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 100_000; n++) {
    term *= ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (Math.abs(term) <= 1e-15 * Math.abs(sum)) return sum;
  }
  throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge`);
}

/**
 * log 2F1(a, b; c; z) for 0 <= z < 1 and a, b, c > 0 (every term positive),
 * by the same series with the running sum rescaled whenever it passes 1e250:
 * Pareto/NBD's 2F1 grows like (1 - z)^-(r + x) and passes 1e308 for
 * customers with a few thousand purchase days, where hyp2f1 would give Infinity.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1 series needs 0 <= z < 1, got ${z}`);
  if (!(a > 0 && b > 0 && c > 0)) throw new RangeError(`logHyp2f1 needs a, b, c > 0, got ${a}, ${b}, ${c}`);
  let logScale = 0;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 1_000_000; n++) {
    term *= ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (term <= 1e-15 * sum) return logScale + Math.log(sum);
    if (sum > 1e250) {
      logScale += Math.log(sum);
      term /= sum;
      sum = 1;
    }
  }
  throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge`);
}

/** log(exp(x) + exp(y)) without overflow. */
export function logAddExp(x: number, y: number): number {
  if (x === -Infinity) return y;
  if (y === -Infinity) return x;
  const m = Math.max(x, y);
  return m + Math.log(Math.exp(x - m) + Math.exp(y - m));
}
