import { hyp2f1, logAddExp, logGamma } from './special-functions.ts';
import { nelderMeadSteps } from './nelder-mead.ts';
import { runSteps } from '../steps.ts';
import { groupSummaries, type Grouped, type RepeatSummary } from './repeat-summary.ts';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way")
 * and its modified form MBG/NBD (Batislam, Denizel & Filiztekin 2007), with
 * the likelihood, P(alive) and conditional expectation as lifetimes'
 * BetaGeoFitter and ModifiedBetaGeoFitter have them, so parameters can be
 * compared with ours (bench/clv.ts).
 *
 * The two differ in one assumption: in BG/NBD a customer can drop out only
 * after a repeat purchase, so every one-order customer has P(alive) = 1
 * however long ago that order was (on CDNOW, 1 - p_alive then ranks "no
 * order in the next six months" with AUC 0.32, worse than chance); in MBG/NBD
 * the dropout coin is also tossed at the first purchase, so P(alive) falls
 * with time since the first order (AUC 0.74). The product fits MBG/NBD
 * (clv/customer-value.ts); BG/NBD stays for comparison.
 *
 * Per customer: x = repeat purchases (distinct order days minus one),
 * tx = days from the first to the last order day, T = days from the first
 * order day to the as-of day. Time is in days throughout, so alpha is in days.
 * Customers are grouped by (x, tx, T) before fitting (repeat-summary.ts).
 */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** 'bg': BG/NBD; 'mbg': MBG/NBD (dropout possible at the first purchase too). */
export type BgNbdVariant = 'bg' | 'mbg';

/** Mean negative log-likelihood per customer (lifetimes' objective without a penalizer). */
export function bgNbdNegLogLikelihood(p: BgNbdParams, g: Grouped, variant: BgNbdVariant = 'bg'): number {
  const { r, alpha, a, b } = p;
  const lgR = logGamma(r);
  const lgAB = logGamma(a + b);
  const lgB = logGamma(b);
  const logAlpha = Math.log(alpha);
  const logA = Math.log(a);
  let sum = 0;
  for (let i = 0; i < g.x.length; i++) {
    const x = g.x[i]!;
    const A1 = logGamma(r + x) - lgR + r * logAlpha;
    const A3 = -(r + x) * Math.log(alpha + g.T[i]!);
    if (variant === 'mbg') {
      const A2 = lgAB + logGamma(b + x + 1) - lgB - logGamma(a + b + x + 1);
      const A4 = logA - Math.log(b + x) + (r + x) * (Math.log(alpha + g.T[i]!) - Math.log(alpha + g.tx[i]!));
      sum += g.weight[i]! * (A1 + A2 + A3 + logAddExp(A4, 0));
    } else {
      const A2 = lgAB + logGamma(b + x) - lgB - logGamma(a + b + x);
      const A4 = x > 0 ? logA - Math.log(b + x - 1) - (r + x) * Math.log(alpha + g.tx[i]!) : -Infinity;
      sum += g.weight[i]! * (A1 + A2 + logAddExp(A3, A4));
    }
  }
  return -sum / g.total;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  customers: number;
}

export function fitBgNbd(rows: readonly RepeatSummary[], variant: BgNbdVariant = 'bg'): BgNbdFit {
  return runSteps(fitBgNbdSteps(rows, variant));
}

/** fitBgNbd, pausing between simplex steps (model/steps.ts). */
export function* fitBgNbdSteps(rows: readonly RepeatSummary[], variant: BgNbdVariant = 'bg'): Generator<void, BgNbdFit> {
  if (rows.length < 2) throw new RangeError(`BG/NBD needs at least 2 customers with an order, got ${rows.length}`);
  const g = groupSummaries(rows);
  if (!g.x.some((x) => x > 0)) throw new RangeError('BG/NBD needs at least one customer with a repeat purchase');
  const objective = (v: readonly number[]): number =>
    bgNbdNegLogLikelihood({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) }, g, variant);
  // lifetimes starts at all-ones in log space; a scale-aware alpha start (mean T) converges in fewer steps.
  let meanT = 0;
  for (let i = 0; i < g.T.length; i++) meanT += (g.weight[i]! * g.T[i]!) / g.total;
  const result = yield* nelderMeadSteps(objective, [0, Math.log(Math.max(meanT, 1)), 0, 0]);
  const [r, alpha, a, b] = result.x.map(Math.exp) as [number, number, number, number];
  return { params: { r, alpha, a, b }, logLikelihood: -result.value * g.total, customers: g.total };
}

/** a / (b + x - 1) * ((alpha + T) / (alpha + tx))^(r + x), or its MBG form; 0 for a one-order BG/NBD customer. */
function deadOdds(p: BgNbdParams, s: RepeatSummary, variant: BgNbdVariant): number {
  const { r, alpha, a, b } = p;
  if (variant === 'bg' && s.x === 0) return 0;
  const shift = variant === 'mbg' ? b + s.x : b + s.x - 1;
  return Math.exp(Math.log(a / shift) + (r + s.x) * Math.log((alpha + s.T) / (alpha + s.tx)));
}

/** P(the customer is still alive at T); under BG/NBD 1 for x = 0 by construction (dropout only after a repeat purchase). */
export function probabilityAlive(p: BgNbdParams, s: RepeatSummary, variant: BgNbdVariant = 'bg'): number {
  return 1 / (1 + deadOdds(p, s, variant));
}

/** Expected purchases in (T, T + t] given the history (lifetimes' conditional_expected_number_of_purchases_up_to_time). */
export function expectedPurchases(p: BgNbdParams, s: RepeatSummary, t: number, variant: BgNbdVariant = 'bg'): number {
  const { r, alpha, a, b } = p;
  const { x, T } = s;
  const mbg = variant === 'mbg';
  const first = (mbg ? a + b + x : a + b + x - 1) / (a - 1);
  const hyp = hyp2f1(r + x, mbg ? b + x + 1 : b + x, mbg ? a + b + x : a + b + x - 1, t / (alpha + T + t));
  const second = 1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp;
  return (first * second) / (1 + deadOdds(p, s, variant));
}

/**
 * P(no purchase in (T, T + t]) = P(dead at T) + P(alive at T) * P(no purchase in t | alive):
 * the model's own churn probability over a horizon, built on P(alive). Alive
 * customers drop out only at a purchase in both variants, so the second factor is the same.
 */
export function probabilityNoPurchase(p: BgNbdParams, s: RepeatSummary, t: number, variant: BgNbdVariant = 'bg'): number {
  const alive = probabilityAlive(p, s, variant);
  const quiet = Math.pow((p.alpha + s.T) / (p.alpha + s.T + t), p.r + s.x);
  return 1 - alive + alive * quiet;
}
