import type { FeatureRow } from './feature-row.ts';
import type { ChurnRisk, ValueTier } from './profile-rules.ts';

/**
 * Risk flags published per customer: plain rules a marketer can read, each a
 * reason to treat the customer differently from their segment.
 *
 *   refunds_and_negative_reviews  refund/cancel rate >= 25% and at least half
 *                                 of their reviews negative (2+ reviews)
 *   repeated_complaints           half or more of 2+ reviews complain about
 *                                 quality or service
 *   high_value_churn_risk         value tier high and churn risk high: the
 *                                 customers most worth a win-back
 *   cart_abandoner                added to cart and abandoned >= 80% of those
 *                                 carts, and never completed an order
 * Customers without reviews never get the review-based flags (no evidence).
 */
export type RiskFlag = 'refunds_and_negative_reviews' | 'repeated_complaints' | 'high_value_churn_risk' | 'cart_abandoner';

export const RISK_RULES = {
  refundRate: 0.25,
  negativeShare: 0.5,
  complaintShare: 0.5,
  minReviews: 2,
  cartAbandonRate: 0.8,
} as const;

type RiskInput = Pick<FeatureRow, 'refund_rate' | 'negative_review_share' | 'review_count' | 'cart_abandon_rate' | 'frequency'> &
  Pick<FeatureRow, 'quality_complaint_share' | 'service_complaint_share'>;

export function riskFlags(row: RiskInput, tier: ValueTier, churn: ChurnRisk): RiskFlag[] {
  const flags: RiskFlag[] = [];
  const reviewed = row.review_count >= RISK_RULES.minReviews;
  if (reviewed && row.refund_rate >= RISK_RULES.refundRate && (row.negative_review_share ?? 0) >= RISK_RULES.negativeShare) {
    flags.push('refunds_and_negative_reviews');
  }
  const complaints = Math.max(row.quality_complaint_share ?? 0, row.service_complaint_share ?? 0);
  if (reviewed && complaints >= RISK_RULES.complaintShare) flags.push('repeated_complaints');
  if (tier === 'high' && churn === 'high') flags.push('high_value_churn_risk');
  if (!(row.frequency > 0) && row.cart_abandon_rate >= RISK_RULES.cartAbandonRate) flags.push('cart_abandoner');
  return flags;
}
