/** Plain words for the model's feature columns, as a marketing analyst reads them. */
const LABELS: Record<string, string> = {
  recency_days: 'days since last order',
  frequency: 'orders placed',
  monetary: 'total spend',
  avg_order_value: 'average order value',
  discount_share: 'discounted share',
  refund_rate: 'refunded or cancelled',
  price_sensitivity: 'price sensitivity',
  browse_minutes_per_month: 'browsing minutes a month',
  sessions_per_month: 'visits a month',
  cart_abandon_rate: 'carts abandoned',
  tenure_days: 'days as a customer',
  review_count: 'reviews written',
  mean_sentiment: 'review sentiment',
  negative_review_share: 'negative reviews',
  high_intent_share: 'high-intent reviews',
  quality_complaint_share: 'quality complaints',
  service_complaint_share: 'service complaints',
  price_mention_share: 'reviews mentioning price',
};

/** The label of a feature; unknown columns (added by a later model) show their name without underscores. */
export function featureLabel(name: string): string {
  return LABELS[name] ?? name.replaceAll('_', ' ');
}
