import { logGamma } from './special-functions.ts';
import { nelderMeadSteps } from './nelder-mead.ts';
import { runSteps } from '../steps.ts';

/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"), the
 * likelihood of lifetimes' GammaGammaFitter: x = purchases observed, m = their
 * mean spend, fitted on customers with x > 0 and m > 0. lifetimes feeds it the
 * repeat purchases only; the product feeds it every order day, the first
 * included (clv/customer-value.ts says why).
 */
export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface SpendSummary {
  x: number;
  m: number;
}

export function gammaGammaNegLogLikelihood(params: GammaGammaParams, rows: readonly SpendSummary[]): number {
  return spendLikelihood(rows)(params);
}

/**
 * The mean negative log-likelihood as a function of the parameters, with
 * what does not depend on them summed once. Per customer it is
 *   lgG(px+q) - lgG(px) - lgG(q) + q log v + (px-1) log m + px log x - (px+q) log(xm+v),
 * whose log-gamma terms depend on x alone (a whole number of order days, a
 * few dozen distinct values), and whose log m and log x terms are sums
 * times p. Only log(xm+v) is left per customer: a fit that walks to its
 * boundary (p to infinity: spend without variation within a customer, as in
 * the sample data) spends its 20,000 evaluations in seconds, not a minute.
 */
function spendLikelihood(rows: readonly SpendSummary[]): (params: GammaGammaParams) => number {
  const n = rows.length;
  const countOfX = new Map<number, number>();
  const xs = new Float64Array(n);
  const xms = new Float64Array(n);
  let xLogM = 0;
  let logM = 0;
  let xLogX = 0;
  rows.forEach(({ x, m }, i) => {
    countOfX.set(x, (countOfX.get(x) ?? 0) + 1);
    xs[i] = x;
    xms[i] = x * m;
    xLogM += x * Math.log(m);
    logM += Math.log(m);
    xLogX += x * Math.log(x);
  });
  const distinct = [...countOfX];
  return ({ p, q, v }) => {
    let sum = n * (q * Math.log(v) - logGamma(q)) + p * (xLogM + xLogX) - logM;
    for (const [x, count] of distinct) sum += count * (logGamma(p * x + q) - logGamma(p * x));
    for (let i = 0; i < n; i++) sum -= (p * xs[i]! + q) * Math.log(xms[i]! + v);
    return -sum / n;
  };
}

/**
 * The fit searches p, q, v in [e^-25, e^25] (1.4e-11 to 7.2e10). Where spend
 * does not vary within a customer (the sample data) the likelihood keeps
 * rising as p grows and v shrinks; unbounded, the search ended near p = 1e301,
 * where p * (v + x * m) overflows for large spends. At p = 7e10 a buyer's
 * expected spend is already their own mean to 1e-10. CDNOW's optimum
 * (p 6.2, q 3.7, v 15) is far inside.
 */
const LOG_PARAM_BOUND = 25;

export interface GammaGammaFit {
  params: GammaGammaParams;
  customers: number;
}

export function fitGammaGamma(all: readonly SpendSummary[]): GammaGammaFit {
  return runSteps(fitGammaGammaSteps(all));
}

/** fitGammaGamma, pausing between simplex steps (model/steps.ts). */
export function* fitGammaGammaSteps(all: readonly SpendSummary[]): Generator<void, GammaGammaFit> {
  const rows = all.filter((r) => r.x > 0 && r.m > 0);
  if (rows.length < 2) throw new RangeError(`Gamma-Gamma needs at least 2 customers with a paid purchase, got ${rows.length}`);
  const likelihood = spendLikelihood(rows);
  const objective = (u: readonly number[]): number =>
    u.every((ui) => Math.abs(ui) <= LOG_PARAM_BOUND) ? likelihood({ p: Math.exp(u[0]!), q: Math.exp(u[1]!), v: Math.exp(u[2]!) }) : Infinity;
  const meanM = rows.reduce((s, r) => s + r.m, 0) / rows.length;
  const result = yield* nelderMeadSteps(objective, [0, 0, Math.log(Math.max(meanM, 1e-6))]);
  const [p, q, v] = result.x.map(Math.exp) as [number, number, number];
  return { params: { p, q, v }, customers: rows.length };
}

/** E(spend per purchase | x, m): the customer's mean shrunk to the population's; the population mean p*v/(q-1) for x = 0. */
export function expectedSpend(params: GammaGammaParams, s: SpendSummary): number {
  const { p, q, v } = params;
  if (!(s.x > 0)) return (p * v) / (q - 1);
  return (p * (v + s.x * s.m)) / (p * s.x + q - 1);
}
