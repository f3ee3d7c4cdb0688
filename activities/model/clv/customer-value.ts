import type { FeatureRow } from '../feature-row.ts';
import { sampleIndices } from '../cluster-metrics.ts';
import { expectedPurchases, fitBgNbdSteps, probabilityAlive, probabilityNoPurchase, type BgNbdParams } from './bgnbd.ts';
import { fitParetoNbdSteps, paretoExpectedPurchases, paretoProbabilityAlive, paretoProbabilityNoPurchase, type ParetoNbdParams } from './pareto-nbd.ts';
import type { RepeatSummary } from './repeat-summary.ts';
import { runSteps, runStepsYielding } from '../steps.ts';
import { expectedSpend, fitGammaGammaSteps, type GammaGammaParams, type SpendSummary } from './gamma-gamma.ts';

/**
 * Probabilistic value and churn per run: MBG/NBD (the BG/NBD variant in which
 * a customer may also drop out right after the first order, clv/bgnbd.ts) for
 * P(alive) and expected orders over a horizon, Gamma-Gamma for spend per
 * order, both fitted by maximum likelihood on this run's buyers (customers
 * with a completed order). predicted_clv = expected orders over the horizon x
 * expected spend per order (undiscounted, in the source currency).
 * Never-ordered customers are outside both models (they need a first
 * purchase): their three values are null. Pareto/NBD (clv/pareto-nbd.ts) and
 * plain BG/NBD can be fitted in the same way for comparison (bench/clv.ts).
 * Pareto/NBD ranks CDNOW better but is not the product's model yet: on the
 * sample data its likelihood peaks at s ~ 61, beta ~ 68,000 days, where our
 * fit did not finish in 10 minutes (docs/segmentation.md).
 */
export const DEFAULT_CLV_HORIZON_DAYS = 180;
/** Above this many buyers the fits run on a deterministic sample (parameters are population-level; every customer is still scored). */
export const CLV_FIT_SAMPLE = 30_000;

/** The purchase-count model: 'mbgnbd' (the product's since release 0.3), 'bgnbd' (0.2), 'pareto-nbd' (comparison only). */
export type PurchaseModelKind = 'pareto-nbd' | 'mbgnbd' | 'bgnbd';

interface ModelCommon {
  /** Time unit of recency, T and the models' scale parameters. */
  timeUnit: 'day';
  horizonDays: number;
  /** null when fewer than 2 buyers spent anything (or q <= 1): predicted_clv then uses each buyer's mean order value. */
  gammaGamma: GammaGammaParams | null;
  fittedOn: { buyers: number; repeatBuyers: number; sampled: boolean };
}

export type CustomerValueModel =
  | (ModelCommon & { kind: 'pareto-nbd+gamma-gamma'; paretoNbd: ParetoNbdParams })
  | (ModelCommon & { kind: 'mbgnbd+gamma-gamma' | 'bgnbd+gamma-gamma'; bgnbd: BgNbdParams });

export interface CustomerValue {
  pAlive: number;
  expectedOrders: number;
  predictedClv: number;
  /** P(no order within the horizon), from P(alive): the churn probability churn_risk bins. */
  pNoOrder: number;
}

type ValueInput = Pick<FeatureRow, 'frequency' | 'avg_order_value' | 'repeat_purchases' | 'repeat_span_days' | 'customer_age_days' | 'order_day_spend_mean'>;

/** The (x, t_x, T) summary the models read; undefined for a customer who never ordered. */
export function summaryOf(row: ValueInput): RepeatSummary | undefined {
  if (!(row.frequency > 0) || row.repeat_purchases == null || row.repeat_span_days == null || row.customer_age_days == null) return undefined;
  return { x: row.repeat_purchases, tx: row.repeat_span_days, T: row.customer_age_days };
}

/**
 * Gamma-Gamma's input for a buyer: every order day, the first included, with
 * its mean spend. lifetimes (and Fader, Hardie & Lee's CDNOW example) leave
 * the first purchase out, which gives every one-order customer the
 * population's mean spend whatever they spent; with it, the top value tier
 * takes 73.1% of CDNOW's next-half-year spend instead of 72.3% (BG/NBD with
 * lifetimes' Gamma-Gamma: 72.5%; bench/clv.ts).
 */
function spendSummaryOf(row: ValueInput): SpendSummary {
  return { x: row.repeat_purchases! + 1, m: row.order_day_spend_mean ?? 0 };
}

/** Fits both models on the buyers among rows; undefined when the data cannot support them (under 2 buyers or no repeat purchase). */
export function fitCustomerValue(
  rows: readonly ValueInput[],
  horizonDays = DEFAULT_CLV_HORIZON_DAYS,
  purchaseModel: PurchaseModelKind = 'mbgnbd',
): CustomerValueModel | undefined {
  return runSteps(fitCustomerValueSteps(rows, horizonDays, purchaseModel));
}

/**
 * fitCustomerValue for the train activity: the likelihood fits take tens of
 * seconds on a busy machine, so they give the event loop a turn (and the
 * activity's heartbeat timer a chance to fire) between simplex steps.
 */
export function fitCustomerValueAsync(
  rows: readonly ValueInput[],
  horizonDays = DEFAULT_CLV_HORIZON_DAYS,
  purchaseModel: PurchaseModelKind = 'mbgnbd',
): Promise<CustomerValueModel | undefined> {
  return runStepsYielding(fitCustomerValueSteps(rows, horizonDays, purchaseModel));
}

function* fitCustomerValueSteps(
  rows: readonly ValueInput[],
  horizonDays: number,
  purchaseModel: PurchaseModelKind,
): Generator<void, CustomerValueModel | undefined> {
  if (!(horizonDays > 0) || !Number.isFinite(horizonDays)) throw new RangeError(`CLV horizon must be a positive number of days, got ${horizonDays}`);
  const buyers = rows.filter((row) => summaryOf(row) !== undefined);
  const sampled = buyers.length > CLV_FIT_SAMPLE;
  const fitRows = sampled ? Array.from(sampleIndices(buyers.length, CLV_FIT_SAMPLE, 42), (i) => buyers[i]!) : buyers;
  const summaries = fitRows.map((row) => summaryOf(row)!);
  const repeatBuyers = summaries.filter((s) => s.x > 0).length;
  if (summaries.length < 2 || repeatBuyers === 0) return undefined;
  let gammaGamma: GammaGammaParams | null = null;
  const spend = fitRows.map(spendSummaryOf).filter((s) => s.m > 0);
  if (spend.length >= 2) {
    const fitted = (yield* fitGammaGammaSteps(spend)).params;
    // q <= 1 means the population's mean spend is infinite: the model says nothing usable.
    if (fitted.q > 1) gammaGamma = fitted;
  }
  const common: ModelCommon = { timeUnit: 'day', horizonDays, gammaGamma, fittedOn: { buyers: buyers.length, repeatBuyers, sampled } };
  if (purchaseModel === 'pareto-nbd') return { kind: 'pareto-nbd+gamma-gamma', paretoNbd: (yield* fitParetoNbdSteps(summaries)).params, ...common };
  const variant = purchaseModel === 'mbgnbd' ? 'mbg' : 'bg';
  return { kind: `${purchaseModel}+gamma-gamma`, bgnbd: (yield* fitBgNbdSteps(summaries, variant)).params, ...common };
}

/** One customer's values under a fitted model; undefined for customers who never ordered. */
export function customerValue(model: CustomerValueModel, row: ValueInput): CustomerValue | undefined {
  return customerValueScorer(model)(row);
}

type PurchaseScores = Pick<CustomerValue, 'pAlive' | 'expectedOrders' | 'pNoOrder'>;

/**
 * customerValue for many customers of one model: the purchase model's three
 * figures depend only on (x, tx, T), which customers share (whole days), so
 * they are computed once per distinct triple (Pareto/NBD's take two 2F1 series
 * and a quadrature each; at 1M customers this is most of the scoring time).
 */
export function customerValueScorer(model: CustomerValueModel): (row: ValueInput) => CustomerValue | undefined {
  const h = model.horizonDays;
  const purchases = (s: RepeatSummary): PurchaseScores => {
    if (model.kind === 'pareto-nbd+gamma-gamma') {
      const p = model.paretoNbd;
      return { pAlive: paretoProbabilityAlive(p, s), expectedOrders: paretoExpectedPurchases(p, s, h), pNoOrder: paretoProbabilityNoPurchase(p, s, h) };
    }
    const variant = model.kind === 'bgnbd+gamma-gamma' ? 'bg' : 'mbg';
    const p = model.bgnbd;
    return { pAlive: probabilityAlive(p, s, variant), expectedOrders: expectedPurchases(p, s, h, variant), pNoOrder: probabilityNoPurchase(p, s, h, variant) };
  };
  const cache = new Map<string, PurchaseScores>();
  return (row) => {
    const s = summaryOf(row);
    if (s === undefined) return undefined;
    const key = `${s.x}|${s.tx}|${s.T}`;
    let scores = cache.get(key);
    if (scores === undefined) {
      scores = purchases(s);
      cache.set(key, scores);
    }
    const spend =
      model.gammaGamma !== null ? expectedSpend(model.gammaGamma, spendSummaryOf(row)) : (row.avg_order_value ?? 0);
    return { ...scores, predictedClv: scores.expectedOrders * spend };
  };
}
