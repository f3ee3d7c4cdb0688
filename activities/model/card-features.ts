/** The features whose segment means describe a persona (cards, segment tables, the demo's table). */
export const CARD_FEATURES = [
  'recency_days',
  'frequency',
  'monetary',
  'avg_order_value',
  'discount_share',
  'price_sensitivity',
  'refund_rate',
  'browse_minutes_per_month',
  'sessions_per_month',
  'cart_abandon_rate',
  'tenure_days',
  'review_count',
  'mean_sentiment',
  'negative_review_share',
  'high_intent_share',
] as const;
