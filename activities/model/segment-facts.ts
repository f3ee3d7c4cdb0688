import type { FeatureRow } from './feature-row.ts';
import { quantileSorted } from './profile-rules.ts';

/**
 * What a persona card may say about a segment, measured on its own customers,
 * and the business's own purchase cycle, so that names and actions are in
 * absolute terms rather than relative to a population average (on real data
 * most customers may be lapsed, and then "above average recency" names
 * nobody lapsed).
 *
 * Business purchase cycle: the median over repeat buyers of their own mean
 * gap between order days (repeat_span_days / repeat_purchases). A buyer is
 * lapsed when their last order is more than LAPSE_CYCLES cycles ago (at least
 * MIN_LAPSE_DAYS); a buyer is steady when they bought on two or more days
 * and their last order is within STEADY_GAPS of their own gap (and they are
 * not lapsed).
 */
export const FACT_RULES = {
  lapseCycles: 3,
  minLapseDays: 30,
  steadyGaps: 2,
  minOwnGapDays: 7,
} as const;

export interface BusinessFacts {
  /** Median gap between order days among repeat buyers; undefined when nobody bought twice. */
  cycleDays: number | undefined;
  /** Days without an order after which a buyer counts as lapsed. */
  lapseDays: number;
}

export interface SegmentFacts {
  size: number;
  /** Shares of the segment's customers. */
  neverOrderedShare: number;
  repeatShare: number;
  steadyShare: number;
  lapsedShare: number;
  /** With at least one category on a completed order. */
  categoryShare: number;
  /** With at least one review. */
  reviewedShare: number;
  /** Median days since the last order over the segment's buyers; undefined without buyers. */
  medianRecency: number | undefined;
}

type FactRow = Pick<FeatureRow, 'frequency' | 'recency_days' | 'review_count' | 'top_categories' | 'repeat_purchases' | 'repeat_span_days'>;

const ownGap = (row: FactRow): number | undefined =>
  row.repeat_purchases != null && row.repeat_purchases > 0 && row.repeat_span_days != null ? row.repeat_span_days / row.repeat_purchases : undefined;

export function businessFacts(rows: readonly FactRow[]): BusinessFacts {
  const gaps = Float64Array.from(rows.map(ownGap).filter((g): g is number => g !== undefined)).sort();
  const cycleDays = gaps.length > 0 ? quantileSorted(gaps, 0.5) : undefined;
  const lapseDays = Math.max(FACT_RULES.minLapseDays, FACT_RULES.lapseCycles * (cycleDays ?? FACT_RULES.minLapseDays));
  return { cycleDays, lapseDays };
}

export function isLapsed(row: FactRow, business: BusinessFacts): boolean {
  return row.frequency > 0 && row.recency_days != null && row.recency_days > business.lapseDays;
}

export function isSteady(row: FactRow, business: BusinessFacts): boolean {
  const gap = ownGap(row);
  if (gap === undefined || row.recency_days == null || isLapsed(row, business)) return false;
  return row.recency_days <= FACT_RULES.steadyGaps * Math.max(gap, FACT_RULES.minOwnGapDays);
}

export function segmentFacts(members: readonly FactRow[], business: BusinessFacts): SegmentFacts {
  const n = Math.max(members.length, 1);
  const share = (test: (row: FactRow) => boolean): number => members.filter(test).length / n;
  const recencies = Float64Array.from(
    members.filter((r) => r.frequency > 0 && r.recency_days != null).map((r) => r.recency_days!),
  ).sort();
  return {
    size: members.length,
    neverOrderedShare: share((r) => !(r.frequency > 0)),
    repeatShare: share((r) => (r.repeat_purchases ?? 0) > 0),
    steadyShare: share((r) => isSteady(r, business)),
    lapsedShare: share((r) => isLapsed(r, business)),
    categoryShare: share((r) => Array.isArray(r.top_categories) && r.top_categories.length > 0),
    reviewedShare: share((r) => r.review_count > 0),
    medianRecency: recencies.length > 0 ? quantileSorted(recencies, 0.5) : undefined,
  };
}
