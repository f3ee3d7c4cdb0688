import type { FeatureRow } from './feature-row.ts';

/**
 * Per-customer labels published next to the segment: value tier and churn
 * risk. Plain rules over the feature row, so anyone can say why a customer
 * got a label.
 *
 * Value tier (thresholds from the population, see valueThresholds):
 *   low     no completed orders, or monetary below the buyers' 40th percentile
 *   high    monetary >= the buyers' 80th percentile and frequency >= the
 *           buyers' median frequency
 *   medium  everyone else (including big one-off spenders below median frequency)
 * The quantiles are over buyers (frequency > 0) only: with many never-ordered
 * customers, population quantiles of spend would sit at 0 and say nothing.
 *
 * Churn risk, against the customer's own rhythm:
 *   expected gap = max(tenure_days / max(frequency, 1), 14 days)
 *   high    recency > 3x the expected gap, or recency > 180 days
 *   medium  recency > 1.5x the expected gap
 *   low     otherwise
 *   never ordered: high when tenure > 90 days, else medium
 * The 14-day floor keeps customers who bought in bursts (many orders in a short
 * tenure) from turning "high" after a few quiet days.
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
