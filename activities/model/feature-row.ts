/**
 * One customer's features as of a run, computed in SQL by the features stage.
 * Monetary amounts are in the source currency; rates and shares are 0..1.
 */
export interface FeatureRow {
  customer_id: string;
  /** Days since the last completed order as of the run; null = never ordered. */
  recency_days: number | null;
  /** Completed orders. */
  frequency: number;
  /** Sum of completed order value (qty * unit_price - discount). */
  monetary: number;
  /** monetary / frequency; null when there are no completed orders. */
  avg_order_value: number | null;
  /** discount / gross over all orders, 0..1. */
  discount_share: number;
  /** (refunded + cancelled) / all orders; 0 when there are no orders. */
  refund_rate: number;
  /** 0..1 score from the discount share and the share of discounted orders. */
  price_sensitivity: number;
  browse_minutes_per_month: number;
  sessions_per_month: number;
  /** Sessions with added_to_cart and no order that day / sessions with added_to_cart; 0 when none. */
  cart_abandon_rate: number;
  tenure_days: number;
  review_count: number;
  /** Mean review sentiment, -1..1; null = no reviews. */
  mean_sentiment: number | null;
  /** Share of reviews that are negative; null = no reviews. */
  negative_review_share: number | null;
  /** Share of reviews showing high purchase intent; null = no reviews. */
  high_intent_share: number | null;
  top_categories: string[];
  /** Share of the customer's completed orders in each of top_categories (same order). */
  top_category_shares?: number[];
  /** Most frequent review topics (up to three). */
  top_topics?: string[];
  /** RFM quintile scores among buyers, 1..5 (5 = best); 0 = never ordered. */
  r_score?: number;
  f_score?: number;
  m_score?: number;
  /** Shares of reviews with a quality / service complaint, or talking about price; null = no reviews. */
  quality_complaint_share?: number | null;
  service_complaint_share?: number | null;
  price_mention_share?: number | null;
  /**
   * The BG/NBD summary (features-sql.ts, as lifetimes with freq 'D'); null = never ordered.
   * repeat_purchases: completed order days - 1; repeat_span_days: first to last
   * order day; customer_age_days: first order day to the as-of day;
   * order_day_spend_mean: mean spend per completed order day, the first included.
   */
  repeat_purchases?: number | null;
  repeat_span_days?: number | null;
  customer_age_days?: number | null;
  order_day_spend_mean?: number | null;
}

/** The numeric columns of a FeatureRow (everything a model can read). */
export type NumericFeatureName = {
  [K in keyof FeatureRow]-?: FeatureRow[K] extends number | null ? K : never;
}[keyof FeatureRow];
