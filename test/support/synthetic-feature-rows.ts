import type { FeatureRow } from '../../activities/model/feature-row.ts';
import { mulberry32 } from '../../activities/model/cluster-metrics.ts';

/**
 * Feature rows at any scale without running the pipeline, for checks of how
 * the model code runs (event-loop stalls: bench/train-stall.ts and
 * test/unit/model-yields.test.ts) rather than of what it finds: independent
 * uniform and exponential features, no planted structure. Deterministic per seed.
 */
/** Rows with every feature the model reads, skewed like real customers; 15% never ordered. */
export function syntheticFeatureRows(n: number, seed = 7): FeatureRow[] {
  const random = mulberry32(seed);
  const exp = (mean: number): number => -Math.log(1 - random()) * mean;
  const rows: FeatureRow[] = [];
  for (let i = 0; i < n; i++) {
    const tenure = 30 + Math.floor(random() * 1000);
    const buyer = random() > 0.15;
    const days = buyer ? 1 + Math.floor(exp(2.5)) : 0;
    const age = buyer ? Math.floor(random() * tenure) : null;
    const span = buyer && days > 1 ? Math.floor(random() * (age ?? 0)) : 0;
    const aov = buyer ? 20 + exp(60) : null;
    const reviews = Math.floor(exp(1));
    rows.push({
      customer_id: `C${String(i).padStart(7, '0')}`,
      recency_days: buyer ? (age ?? 0) - span : null,
      frequency: days,
      monetary: buyer ? days * aov! : 0,
      avg_order_value: aov,
      discount_share: random() * 0.4,
      refund_rate: random() * 0.2,
      price_sensitivity: random(),
      browse_minutes_per_month: exp(30),
      sessions_per_month: exp(4),
      cart_abandon_rate: random(),
      tenure_days: tenure,
      review_count: reviews,
      mean_sentiment: reviews > 0 ? random() * 2 - 1 : null,
      negative_review_share: reviews > 0 ? random() : null,
      high_intent_share: reviews > 0 ? random() : null,
      top_categories: ['books'],
      repeat_purchases: buyer ? days - 1 : null,
      repeat_span_days: buyer ? span : null,
      customer_age_days: age,
      order_day_spend_mean: aov,
    });
  }
  return rows;
}
