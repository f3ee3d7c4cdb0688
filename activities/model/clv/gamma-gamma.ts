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
  const { p, q, v } = params;
  const lgQ = logGamma(q);
  const qLogV = q * Math.log(v);
  let sum = 0;
  for (const { x, m } of rows) {
    const px = p * x;
    sum += logGamma(px + q) - logGamma(px) - lgQ + qLogV + (px - 1) * Math.log(m) + px * Math.log(x) - (px + q) * Math.log(x * m + v);
  }
  return -sum / rows.length;
}

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
  const objective = (u: readonly number[]): number =>
    gammaGammaNegLogLikelihood({ p: Math.exp(u[0]!), q: Math.exp(u[1]!), v: Math.exp(u[2]!) }, rows);
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
