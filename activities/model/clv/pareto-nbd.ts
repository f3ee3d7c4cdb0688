import { logAddExp, logGamma, logHyp2f1 } from './special-functions.ts';
import { nelderMeadSteps } from './nelder-mead.ts';
import { runSteps } from '../steps.ts';
import { gaussLegendre } from './gauss-legendre.ts';
import { groupSummaries, type Grouped, type RepeatSummary } from './repeat-summary.ts';

/**
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987): while alive a customer
 * buys at Poisson rate lambda ~ Gamma(r, alpha) and dies at an exponential
 * time of rate mu ~ Gamma(s, beta), independent of the purchases. The
 * likelihood, P(alive) and conditional expectation are those of Fader &
 * Hardie's 2005 note "A note on deriving the Pareto/NBD model and related
 * expressions" as lifetimes' ParetoNBDFitter implements them, so parameters
 * can be compared (bench/clv.ts).
 *
 * Why the product uses it rather than (M)BG/NBD: death here can come at any
 * time, not only at a purchase, so P(alive) falls with the time since the
 * last order for one-order customers as for everyone else, without BG/NBD's
 * artefact (every one-order customer alive) or MBG/NBD's coin tossed at a
 * purchase. On CDNOW it ranks "no order in the next six months" better
 * than MBG/NBD (AUC of 1 - p_alive 0.754 against 0.736), its expected orders
 * too (0.804 against 0.801); docs/segmentation.md has the figures.
 *
 * Time is in days (alpha and beta are in days); x, tx, T as in
 * repeat-summary.ts. Customers are grouped by (x, tx, T) before fitting.
 */
export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

const QUADRATURE = gaussLegendre(24);

/** Above this 2F1 argument the series needs thousands of terms (seen at s 61, beta 68,000 on the sample data): integrate instead. */
const SERIES_MAX_Z = 0.9;

/**
 * log A0 of the note (its equations 19-20): the part of the likelihood where
 * the customer died between tx and T, A0 = (r + s + x) x the integral over
 * (tx, T] of (alpha + u)^-(r + x) (beta + u)^-(s + 1) du; 0 (log -Infinity)
 * when tx = T. As the note and lifetimes do, by 2F1 with its argument kept
 * below 1 by taking the larger of alpha and beta; when that argument is near
 * 1 (one scale parameter far above the other and the customers' ages) the
 * series converges too slowly and the integral is taken by quadrature.
 */
export function logA0(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const alphaSmaller = alpha < beta;
  const larger = alphaSmaller ? beta : alpha;
  const second = alphaSmaller ? r + x : s + 1;
  const gap = Math.abs(alpha - beta);
  const rsx = r + s + x;
  const q1 = larger + tx;
  const q2 = larger + T;
  if (gap / q1 > SERIES_MAX_Z) return Math.log(rsx) + logDeathIntegral(p, x, tx, T);
  const atTx = logHyp2f1(rsx, second, rsx + 1, gap / q1) + rsx * Math.log(q2);
  const atT = logHyp2f1(rsx, second, rsx + 1, gap / q2) + rsx * Math.log(q1);
  if (!(atTx > atT)) return -Infinity;
  // log(e^atTx - e^atT), then divided by (q1 q2)^(r+s+x).
  return atTx + Math.log(-Math.expm1(atT - atTx)) - rsx * (Math.log(q1) + Math.log(q2));
}

/**
 * log of the integral over (tx, T] of (alpha + u)^-(r + x) (beta + u)^-(s + 1) du,
 * in v = log(m + u) with m the smaller of alpha and beta: the integrand (with
 * du = e^v dv) becomes exp((1 - P) v) (M - m + e^v)^-Q (P, Q the exponents of
 * the m and M factors), whose log is concave and changes by at most
 * |1 - P| + Q per unit of v. So
 * panels of 24-point Gauss-Legendre, each spanning a log change of at most 8,
 * integrate it to double precision, scaled by the log integrand's maximum;
 * panels where it has fallen 40 below that maximum are skipped.
 */
export function logDeathIntegral(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  if (!(T > tx)) return -Infinity;
  const alphaSmaller = p.alpha < p.beta;
  const m = alphaSmaller ? p.alpha : p.beta;
  const c = Math.abs(p.alpha - p.beta);
  const P = alphaSmaller ? p.r + x : p.s + 1;
  const Q = alphaSmaller ? p.s + 1 : p.r + x;
  const logF = (v: number) => (1 - P) * v - Q * Math.log(c + Math.exp(v));
  const v1 = Math.log(m + tx);
  const v2 = Math.log(m + T);
  let top = Math.max(logF(v1), logF(v2));
  // Interior maximum where (1 - P) = Q e^v / (c + e^v).
  if (1 - P > 0 && 1 - P < Q) {
    const vStar = Math.log((c * (1 - P)) / (Q - (1 - P)));
    if (vStar > v1 && vStar < v2) top = Math.max(top, logF(vStar));
  }
  const panels = Math.min(2000, Math.max(1, Math.ceil(((v2 - v1) * (Math.abs(1 - P) + Q)) / 8)));
  const width = (v2 - v1) / panels;
  let sum = 0;
  for (let k = 0; k < panels; k++) {
    const a = v1 + k * width;
    if (logF(a) < top - 40 && logF(a + width) < top - 40) continue;
    for (let i = 0; i < QUADRATURE.nodes.length; i++) {
      const v = a + 0.5 * width * (QUADRATURE.nodes[i]! + 1);
      sum += 0.5 * width * QUADRATURE.weights[i]! * Math.exp(logF(v) - top);
    }
  }
  return top + Math.log(sum);
}

/** The customer's log-likelihood (the note's equation 18), up to nothing: comparable with lifetimes'. */
function logLikelihood(p: ParetoNbdParams, x: number, tx: number, T: number, lgR = logGamma(p.r)): number {
  const { r, alpha, s, beta } = p;
  const a1 = logGamma(r + x) - lgR + r * Math.log(alpha) + s * Math.log(beta);
  const aliveAtT = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const diedBefore = Math.log(s) + logA0(p, x, tx, T) - Math.log(r + s + x);
  return a1 + logAddExp(aliveAtT, diedBefore);
}

/** Mean negative log-likelihood per customer (lifetimes' objective without a penalizer). */
export function paretoNbdNegLogLikelihood(p: ParetoNbdParams, g: Grouped): number {
  const lgR = logGamma(p.r);
  let sum = 0;
  for (let i = 0; i < g.x.length; i++) sum += g.weight[i]! * logLikelihood(p, g.x[i]!, g.tx[i]!, g.T[i]!, lgR);
  return -sum / g.total;
}

export interface ParetoNbdFit {
  params: ParetoNbdParams;
  logLikelihood: number;
  customers: number;
}

export function fitParetoNbd(rows: readonly RepeatSummary[]): ParetoNbdFit {
  return runSteps(fitParetoNbdSteps(rows));
}

/** fitParetoNbd, pausing between simplex steps (model/steps.ts). */
export function* fitParetoNbdSteps(rows: readonly RepeatSummary[]): Generator<void, ParetoNbdFit> {
  if (rows.length < 2) throw new RangeError(`Pareto/NBD needs at least 2 customers with an order, got ${rows.length}`);
  const g = groupSummaries(rows);
  if (!g.x.some((x) => x > 0)) throw new RangeError('Pareto/NBD needs at least one customer with a repeat purchase');
  const objective = (v: readonly number[]): number => {
    try {
      return paretoNbdNegLogLikelihood({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), s: Math.exp(v[2]!), beta: Math.exp(v[3]!) }, g);
    } catch (error) {
      // A 2F1 series that does not converge (argument near 1, at extreme trial parameters) rules the point out.
      if (error instanceof RangeError) return Infinity;
      throw error;
    }
  };
  // Both scale parameters start at the mean age, in days, like BG/NBD's alpha (bgnbd.ts).
  let meanT = 0;
  for (let i = 0; i < g.T.length; i++) meanT += (g.weight[i]! * g.T[i]!) / g.total;
  const logMeanT = Math.log(Math.max(meanT, 1));
  const result = yield* nelderMeadSteps(objective, [0, logMeanT, 0, logMeanT]);
  const [r, alpha, s, beta] = result.x.map(Math.exp) as [number, number, number, number];
  return { params: { r, alpha, s, beta }, logLikelihood: -result.value * g.total, customers: g.total };
}

/** P(alive at T | x, tx, T) (the note's equation 36-37, as lifetimes' conditional_probability_alive). */
export function paretoProbabilityAlive(p: ParetoNbdParams, s: RepeatSummary): number {
  const { r, alpha, beta } = p;
  const logOdds =
    Math.log(p.s) - Math.log(r + p.s + s.x) + (r + s.x) * Math.log(alpha + s.T) + p.s * Math.log(beta + s.T) + logA0(p, s.x, s.tx, s.T);
  return 1 / (1 + Math.exp(logOdds));
}

/** Expected purchases in (T, T + t] given the history (the note's equation 41, lifetimes' conditional_expected_number_of_purchases_up_to_time). */
export function paretoExpectedPurchases(p: ParetoNbdParams, s: RepeatSummary, t: number): number {
  const { r, alpha, beta } = p;
  const { x, T } = s;
  const aliveAtT =
    logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + p.s * Math.log(beta) - (r + x) * Math.log(alpha + T) - p.s * Math.log(beta + T);
  const rate = Math.log(r + x) + Math.log(beta + T) - Math.log(alpha + T);
  // (1 - u^(s-1)) / (s-1) with u = (beta+T)/(beta+T+t); its limit -log u at s = 1.
  const logU = Math.log((beta + T) / (beta + T + t));
  const lifetime = p.s === 1 ? -logU : -Math.expm1((p.s - 1) * logU) / (p.s - 1);
  return Math.exp(aliveAtT + rate + Math.log(lifetime) - logLikelihood(p, x, s.tx, T));
}

/**
 * P(no purchase in (T, T + t]) = P(dead at T) + P(alive at T) * P(no purchase in t | alive).
 * Alive at T, lambda ~ Gamma(r + x, alpha + T) and mu ~ Gamma(s, beta + T)
 * independently, and with the next purchase and the death both memoryless
 * P(quiet | lambda, mu) = E[exp(-lambda min(death, t))]
 *   = exp(-(lambda + mu) t) + integral_0^t mu exp(-(lambda + mu) u) du;
 * its expectation over the two gammas is a smooth 1-D integral, taken by
 * 24-point Gauss-Legendre (the same figure as lifetimes'
 * conditional_probability_of_n_purchases_up_to_time with n = 0; bench/clv.ts
 * compares them on every CDNOW customer).
 */
export function paretoProbabilityNoPurchase(p: ParetoNbdParams, s: RepeatSummary, t: number): number {
  const alive = paretoProbabilityAlive(p, s);
  const A = p.alpha + s.T;
  const B = p.beta + s.T;
  const shape = p.r + s.x;
  const noEvent = (u: number) => Math.pow(A / (A + u), shape) * Math.pow(B / (B + u), p.s);
  let diesFirst = 0;
  for (let i = 0; i < QUADRATURE.nodes.length; i++) {
    const u = 0.5 * t * (QUADRATURE.nodes[i]! + 1);
    diesFirst += QUADRATURE.weights[i]! * (p.s / (B + u)) * noEvent(u);
  }
  const quiet = noEvent(t) + 0.5 * t * diesFirst;
  return 1 - alive + alive * quiet;
}
