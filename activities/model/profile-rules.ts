import type { FeatureRow } from './feature-row.ts';
import type { CustomerValue } from './clv/customer-value.ts';

/**
 * Per-customer labels published next to the segment: value tier and churn
 * risk. With a fitted MBG/NBD + Gamma-Gamma model (clv/customer-value.ts,
 * every run with repeat buyers) both come from it:
 *
 * Value tier, by predicted_clv against the buyers' quantiles of it:
 *   high    predicted_clv >= the buyers' 80th percentile
 *   low     no completed order, or predicted_clv below the buyers' 40th percentile
 *   medium  everyone else
 * Churn risk, by the model's probability of no order within the horizon,
 * P(no order) = 1 - p_alive * (1 - P(no purchase in the horizon | alive)):
 *   high    P(no order) >= 0.75
 *   medium  P(no order) >= 0.4
 *   low     otherwise
 * (rather than 1 - p_alive alone, which leaves out the chance that a live
 * customer stays quiet over the horizon; see docs/segmentation.md.)
 *
 * Never-ordered customers are outside the model: value tier low; churn risk
 * high when tenure > 90 days, else medium.
 *
 * Without a model (no customer ordered on two days, or under 2 buyers) the
 * rules below fall back to plain RFM arithmetic:
 *   value   monetary >= buyers' p80 and frequency >= buyers' median: high;
 *           monetary below buyers' p40: low; else medium
 *   churn   expected gap = max(tenure_days / max(frequency, 1), 14 days);
 *           high when recency > 3x the gap or > 180 days, medium when > 1.5x
 * The quantiles are over buyers (frequency > 0) only: with many never-ordered
 * customers, population quantiles would sit at 0 and say nothing.
 */

export type ValueTier = 'high' | 'medium' | 'low';
export type ChurnRisk = 'high' | 'medium' | 'low';

export interface ValueThresholds {
  /** 40th percentile of monetary among buyers. */
  monetaryP40: number;
  /** 80th percentile of monetary among buyers. */
  monetaryP80: number;
  /** Median completed orders among buyers. */
  frequencyMedian: number;
  /** Customers with at least one completed order the quantiles were taken over. */
  buyers: number;
}

export const CHURN_PROBABILITY_RULES = { high: 0.75, medium: 0.4 } as const;

export const CHURN_RULES = {
  minExpectedGapDays: 14,
  highGapMultiple: 3,
  mediumGapMultiple: 1.5,
  highRecencyDays: 180,
  neverOrderedHighTenureDays: 90,
} as const;

/** Quantile of sorted values with linear interpolation (numpy's default, DuckDB's quantile_cont). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Population thresholds for valueTier, over customers with at least one completed order. */
export function valueThresholds(rows: readonly Pick<FeatureRow, 'monetary' | 'frequency'>[]): ValueThresholds {
  let buyers = 0;
  for (const row of rows) if (row.frequency > 0) buyers++;
  const monetary = new Float64Array(buyers);
  const frequency = new Float64Array(buyers);
  let i = 0;
  for (const row of rows) {
    if (row.frequency > 0) {
      monetary[i] = row.monetary;
      frequency[i] = row.frequency;
      i++;
    }
  }
  monetary.sort();
  frequency.sort();
  return {
    monetaryP40: quantileSorted(monetary, 0.4),
    monetaryP80: quantileSorted(monetary, 0.8),
    frequencyMedian: quantileSorted(frequency, 0.5),
    buyers,
  };
}

export function valueTier(row: Pick<FeatureRow, 'monetary' | 'frequency'>, thresholds: ValueThresholds): ValueTier {
  if (!(row.frequency > 0)) return 'low';
  if (row.monetary >= thresholds.monetaryP80 && row.frequency >= thresholds.frequencyMedian) return 'high';
  if (row.monetary < thresholds.monetaryP40) return 'low';
  return 'medium';
}

export function churnRisk(row: Pick<FeatureRow, 'recency_days' | 'frequency' | 'tenure_days'>): ChurnRisk {
  if (row.recency_days === null || !(row.frequency > 0)) {
    return row.tenure_days > CHURN_RULES.neverOrderedHighTenureDays ? 'high' : 'medium';
  }
  const gap = Math.max(row.tenure_days / Math.max(row.frequency, 1), CHURN_RULES.minExpectedGapDays);
  const recency = row.recency_days;
  if (recency > CHURN_RULES.highGapMultiple * gap || recency > CHURN_RULES.highRecencyDays) return 'high';
  if (recency > CHURN_RULES.mediumGapMultiple * gap) return 'medium';
  return 'low';
}

/** Buyers' 40th / 80th percentiles of predicted_clv, the cut points of clvTier. */
export interface ClvThresholds {
  clvP40: number;
  clvP80: number;
  buyers: number;
}

export function clvThresholds(values: readonly (CustomerValue | undefined)[]): ClvThresholds {
  const clv = Float64Array.from(values.filter((v): v is CustomerValue => v !== undefined), (v) => v.predictedClv).sort();
  return { clvP40: quantileSorted(clv, 0.4), clvP80: quantileSorted(clv, 0.8), buyers: clv.length };
}

export function clvTier(value: CustomerValue | undefined, thresholds: ClvThresholds): ValueTier {
  if (value === undefined) return 'low';
  if (value.predictedClv >= thresholds.clvP80) return 'high';
  if (value.predictedClv < thresholds.clvP40) return 'low';
  return 'medium';
}

/** Churn risk from the model's P(no order within the horizon); never-ordered customers by tenure. */
export function modelChurnRisk(value: CustomerValue | undefined, row: Pick<FeatureRow, 'tenure_days'>): ChurnRisk {
  if (value === undefined) return row.tenure_days > CHURN_RULES.neverOrderedHighTenureDays ? 'high' : 'medium';
  if (value.pNoOrder >= CHURN_PROBABILITY_RULES.high) return 'high';
  if (value.pNoOrder >= CHURN_PROBABILITY_RULES.medium) return 'medium';
  return 'low';
}
