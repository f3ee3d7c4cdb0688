import { CATEGORIES, type Category } from './catalog.ts';

/**
 * The planted personas and how each one behaves. These numbers are the whole
 * "story" of the sample: they are chosen so each persona stands apart on the
 * behaviour features the segmentation uses (recency, frequency, monetary,
 * average order value, discount share, refund rate, browsing, cart
 * abandonment, review sentiment), so clustering can be scored against
 * _truth/personas.csv.
 */

export const PERSONAS = [
  'loyal_high_spender',
  'bargain_hunter',
  'window_shopper',
  'lapsed',
  'unhappy_reviewer',
] as const;
export type Persona = (typeof PERSONAS)[number];

export type Sentiment = 'negative' | 'neutral' | 'positive';
export type Intent = 'none' | 'low' | 'high';
export type Range = readonly [number, number];

export interface PersonaBehaviour {
  /** Target share of customers. */
  share: number;
  /** Sign-up, in days before as-of. */
  signupDaysAgo: Range;
  /** Last day of buying, in days before as-of; [0, 0] means still active. */
  stopDaysAgo: Range;
  /** The customer's own order rate while active (drawn once per customer). */
  ordersPerMonth: Range;
  /** When set, the order count is drawn from these weights (index = count) instead of a rate. */
  orderCountWeights?: readonly number[];
  /** Quantile of each category's log price band this persona shops at. */
  priceQuantile: Range;
  /** P(quantity = 1), P(2), ... */
  quantityWeights: readonly number[];
  /** Share of orders with a discount, and the discount as a share of the order value. */
  discountChance: number;
  discountShare: Range;
  cancelRate: number;
  refundRate: number;
  /** Browsing sessions not tied to an order, per month while active (and after stopping). */
  browsePerMonth: number;
  browsePerMonthAfterStop: number;
  /** Median session length in seconds (log-normal). */
  sessionMedianS: number;
  /** Chance a browsing session (not followed by an order) still adds to the cart. */
  browseCartChance: number;
  /** Chance an order is preceded by a session that added it to the cart. */
  preOrderSessionChance: number;
  /** Chance a completed (or refunded) order gets a review. */
  reviewChance: number;
  reviewChanceRefunded: number;
  /** Review sentiment weights [negative, neutral, positive] for completed orders. */
  sentimentWeights: readonly [number, number, number];
  /** Purchase intent weights [none, low, high] per sentiment. */
  intentWeights: Record<Sentiment, readonly [number, number, number]>;
  /** Chance a review talks about price, sales or coupons. */
  priceCueChance: number;
  /** Category affinity, relative weights. */
  categoryWeights: Record<Category, number>;
  /** Chance each event lands in the 30 days after as-of (tests as-of filtering). */
  futureChance: number;
}

const weights = (w: readonly number[]): Record<Category, number> =>
  Object.fromEntries(CATEGORIES.map((c, i) => [c, w[i] ?? 1])) as Record<Category, number>;

// Category order: electronics, fashion, home, beauty, sports, books, toys, grocery.
export const BEHAVIOUR: Record<Persona, PersonaBehaviour> = {
  // Buys often and recently, at the premium end, rarely with a discount, happy.
  loyal_high_spender: {
    share: 0.2,
    signupDaysAgo: [300, 730],
    stopDaysAgo: [0, 0],
    ordersPerMonth: [1.2, 2.0],
    priceQuantile: [0.6, 1.0],
    quantityWeights: [0.8, 0.15, 0.05],
    discountChance: 0.06,
    discountShare: [0.05, 0.12],
    cancelRate: 0.01,
    refundRate: 0.02,
    browsePerMonth: 0.4,
    browsePerMonthAfterStop: 0,
    sessionMedianS: 330,
    browseCartChance: 0.08,
    preOrderSessionChance: 0.75,
    reviewChance: 0.08,
    reviewChanceRefunded: 0.15,
    sentimentWeights: [0.02, 0.1, 0.88],
    intentWeights: { negative: [0.7, 0.3, 0], neutral: [0.2, 0.6, 0.2], positive: [0, 0.15, 0.85] },
    priceCueChance: 0.03,
    categoryWeights: weights([3, 2.5, 2, 1.5, 1.5, 0.8, 0.7, 0.5]),
    futureChance: 0.025,
  },
  // Many small orders, nearly always discounted, talks about sales and prices.
  bargain_hunter: {
    share: 0.25,
    signupDaysAgo: [240, 730],
    stopDaysAgo: [0, 0],
    ordersPerMonth: [1.1, 2.0],
    priceQuantile: [0.0, 0.3],
    quantityWeights: [0.45, 0.3, 0.15, 0.1],
    discountChance: 0.9,
    discountShare: [0.2, 0.5],
    cancelRate: 0.03,
    refundRate: 0.03,
    browsePerMonth: 0.6,
    browsePerMonthAfterStop: 0,
    sessionMedianS: 420,
    browseCartChance: 0.15,
    preOrderSessionChance: 0.7,
    reviewChance: 0.05,
    reviewChanceRefunded: 0.15,
    sentimentWeights: [0.05, 0.4, 0.55],
    intentWeights: { negative: [0.8, 0.2, 0], neutral: [0.2, 0.7, 0.1], positive: [0, 0.55, 0.45] },
    priceCueChance: 0.9,
    categoryWeights: weights([0.8, 2.5, 1.5, 2, 0.8, 1, 1.5, 3]),
    futureChance: 0.025,
  },
  // Browses long and often, fills the cart, hardly ever buys.
  window_shopper: {
    share: 0.2,
    signupDaysAgo: [180, 730],
    stopDaysAgo: [0, 0],
    ordersPerMonth: [0, 0],
    orderCountWeights: [0.4, 0.35, 0.25],
    priceQuantile: [0.2, 0.7],
    quantityWeights: [0.9, 0.1],
    discountChance: 0.3,
    discountShare: [0.1, 0.25],
    cancelRate: 0.05,
    refundRate: 0.05,
    browsePerMonth: 2.2,
    browsePerMonthAfterStop: 0,
    sessionMedianS: 1200,
    browseCartChance: 0.55,
    preOrderSessionChance: 0.9,
    reviewChance: 0.25,
    reviewChanceRefunded: 0.15,
    sentimentWeights: [0.1, 0.55, 0.35],
    intentWeights: { negative: [0.8, 0.2, 0], neutral: [0.3, 0.6, 0.1], positive: [0, 0.6, 0.4] },
    priceCueChance: 0.15,
    categoryWeights: weights([3, 3, 1.5, 1.5, 1, 0.5, 0.5, 0.3]),
    futureChance: 0.025,
  },
  // Ordered regularly, then stopped 8+ months ago; barely visits since.
  lapsed: {
    share: 0.2,
    signupDaysAgo: [480, 730],
    stopDaysAgo: [250, 420],
    ordersPerMonth: [0.8, 1.3],
    priceQuantile: [0.25, 0.75],
    quantityWeights: [0.7, 0.2, 0.1],
    discountChance: 0.2,
    discountShare: [0.1, 0.2],
    cancelRate: 0.03,
    refundRate: 0.04,
    browsePerMonth: 0.4,
    browsePerMonthAfterStop: 0.05,
    sessionMedianS: 280,
    browseCartChance: 0.1,
    preOrderSessionChance: 0.6,
    reviewChance: 0.1,
    reviewChanceRefunded: 0.15,
    sentimentWeights: [0.05, 0.5, 0.45],
    intentWeights: { negative: [0.85, 0.15, 0], neutral: [0.5, 0.5, 0], positive: [0.1, 0.6, 0.3] },
    priceCueChance: 0.1,
    categoryWeights: weights([1.2, 1.5, 1.5, 1, 1, 2, 1.5, 1]),
    // Lapsed customers have no recent activity; a few come back just after as-of (see simulate.ts).
    futureChance: 0,
  },
  // Buys a fair amount, returns or cancels a lot, writes angry reviews.
  unhappy_reviewer: {
    share: 0.15,
    signupDaysAgo: [240, 730],
    stopDaysAgo: [0, 0],
    ordersPerMonth: [0.7, 1.1],
    priceQuantile: [0.3, 0.8],
    quantityWeights: [0.8, 0.15, 0.05],
    discountChance: 0.15,
    discountShare: [0.1, 0.2],
    cancelRate: 0.12,
    refundRate: 0.35,
    browsePerMonth: 0.5,
    browsePerMonthAfterStop: 0,
    sessionMedianS: 300,
    browseCartChance: 0.1,
    preOrderSessionChance: 0.6,
    reviewChance: 0.3,
    reviewChanceRefunded: 0.6,
    sentimentWeights: [0.88, 0.1, 0.02],
    intentWeights: { negative: [0.9, 0.1, 0], neutral: [0.5, 0.5, 0], positive: [0, 0.6, 0.4] },
    priceCueChance: 0.15,
    categoryWeights: weights([2, 2.5, 2, 1.2, 1.2, 0.6, 0.8, 0.6]),
    futureChance: 0.025,
  },
};

export const PERSONA_SHARES: readonly number[] = PERSONAS.map((p) => BEHAVIOUR[p].share);
