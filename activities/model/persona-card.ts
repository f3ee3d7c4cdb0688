/**
 * The offline persona card: a rule-based name, a two-sentence description and
 * marketing actions for one segment, from how its feature means differ from
 * the population's. It needs no LLM, so a run without one still publishes
 * readable personas, and the LLM card can be checked against it.
 *
 * Inputs are means of the raw FeatureRow columns (recency_days in days,
 * monetary in currency, shares 0..1, mean_sentiment -1..1), keyed by column
 * name. Nullable columns are averaged over the customers that have a value
 * (SQL AVG). A key that is absent or not finite simply never triggers a rule.
 *
 * Archetypes, first match wins (the order puts the most actionable first):
 *   1. Unhappy customers   refund rate >= 1.75x population and >= 10%, or
 *                          mean sentiment 0.3 below population and negative,
 *                          or negative-review share >= 1.75x and >= 30%
 *   2. Window shoppers     browse minutes or sessions >= 1.3x, orders <= 0.75x,
 *                          and cart abandonment >= 1.2x or >= 50%
 *   3. Lapsed customers    recency >= 1.75x population and >= 120 days
 *   4. Loyal high spenders monetary >= 1.5x, orders >= 1.25x, recency <= 0.8x
 *   5. Bargain hunters     discount share >= 1.4x (and +5 points), or price
 *                          sensitivity >= 1.3x (and +0.1)
 *   6. New customers       tenure <= 0.5x population and <= 120 days
 *   7. Everyday shoppers   none of the above
 * Window shoppers precede Lapsed because people who browse a lot but rarely
 * buy also have long recencies; Lapsed ones have stopped visiting.
 */

export interface PersonaCard {
  name: string;
  description: string;
  suggestedActions: string[];
}

type Means = Readonly<Record<string, number>>;

export type Archetype =
  | 'unhappy'
  | 'window_shoppers'
  | 'lapsed'
  | 'loyal_high_spenders'
  | 'bargain_hunters'
  | 'new_customers'
  | 'everyday';

interface ArchetypeInfo {
  name: string;
  /** Completes "N% of customers ... who <trait>". */
  trait: string;
  /** Features cited in the second sentence, most telling first. */
  cite: string[];
  actions: string[];
}

const ARCHETYPES: Record<Archetype, ArchetypeInfo> = {
  unhappy: {
    name: 'Unhappy customers',
    trait: 'return, cancel or complain far more than average',
    cite: ['refund_rate', 'mean_sentiment', 'negative_review_share', 'recency_days'],
    actions: [
      'Have customer service reach out personally to recent refunders and complainants within 48 hours',
      'Review the products and topics behind their negative reviews and refunds with the category owners',
      'Offer a goodwill voucher after a resolved complaint, not before',
      'Exclude them from promotional blasts until the open issue is resolved',
    ],
  },
  window_shoppers: {
    name: 'Window shoppers',
    trait: 'browse and fill carts often but rarely complete an order',
    cite: ['browse_minutes_per_month', 'cart_abandon_rate', 'frequency', 'sessions_per_month'],
    actions: [
      'Send an abandoned-cart reminder within 24 hours, showing the items left behind',
      'Offer free shipping or a first-order incentive above a basket threshold',
      'Retarget recently viewed products with reviews and social proof',
    ],
  },
  lapsed: {
    name: 'Lapsed customers',
    trait: 'used to buy but have not ordered for a long time',
    cite: ['recency_days', 'frequency', 'sessions_per_month', 'monetary'],
    actions: [
      'Run a win-back email series with a time-limited offer',
      'Ask a one-question survey about why they stopped buying',
      'Show what is new in the categories they bought before',
    ],
  },
  loyal_high_spenders: {
    name: 'Loyal high spenders',
    trait: 'spend and order well above average and have bought recently',
    cite: ['monetary', 'frequency', 'recency_days', 'avg_order_value'],
    actions: [
      'Invite them to a VIP or loyalty tier with early access to new products',
      'Protect margin: reward them with service and exclusives rather than discounts',
      'Ask for reviews and referrals after delivery',
    ],
  },
  bargain_hunters: {
    name: 'Bargain hunters',
    trait: 'buy mostly when there is a discount',
    cite: ['discount_share', 'price_sensitivity', 'avg_order_value', 'frequency'],
    actions: [
      'Target them with sale, clearance and bundle announcements instead of full-price campaigns',
      'Use minimum-basket thresholds on coupons to lift order value',
      'Test loyalty points as a cheaper alternative to blanket discounts',
    ],
  },
  new_customers: {
    name: 'New customers',
    trait: 'joined recently',
    cite: ['tenure_days', 'frequency', 'sessions_per_month', 'monetary'],
    actions: [
      'Send an onboarding series that introduces best-selling categories',
      'Offer a second-order incentive within 30 days of the first',
      'Ask for feedback on their first delivery',
    ],
  },
  everyday: {
    name: 'Everyday shoppers',
    trait: 'buy at a steady, average pace',
    cite: ['monetary', 'frequency', 'recency_days', 'avg_order_value'],
    actions: [
      'Keep them engaged with personalised recommendations from their top categories',
      'Cross-sell complementary products after each order',
      'Nudge them toward the loyalty programme with a points bonus',
    ],
  },
};

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const TWO_DECIMALS = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  signDisplay: 'exceptZero',
});
const percent = (value: number): string => `${Math.round(value * 100)}%`;

/** How to cite a feature: "<verb> <segment> vs <population> <unit>". */
const PHRASES: Record<string, (segment: string, population: string) => string> = {
  monetary: (s, p) => `spend ${s} vs ${p}`,
  frequency: (s, p) => `place ${s} vs ${p} orders`,
  recency_days: (s, p) => `last ordered ${s} vs ${p} days ago`,
  avg_order_value: (s, p) => `average ${s} vs ${p} per order`,
  discount_share: (s, p) => `get ${s} vs ${p} of their order value as discount`,
  price_sensitivity: (s, p) => `score ${s} vs ${p} on price sensitivity`,
  refund_rate: (s, p) => `refund or cancel ${s} vs ${p} of orders`,
  browse_minutes_per_month: (s, p) => `browse ${s} vs ${p} minutes a month`,
  sessions_per_month: (s, p) => `visit ${s} vs ${p} times a month`,
  cart_abandon_rate: (s, p) => `abandon ${s} vs ${p} of their carts`,
  tenure_days: (s, p) => `have been customers for ${s} vs ${p} days`,
  review_count: (s, p) => `write ${s} vs ${p} reviews`,
  mean_sentiment: (s, p) => `review with a sentiment of ${s} vs ${p}`,
  negative_review_share: (s, p) => `leave negative reviews ${s} vs ${p} of the time`,
  high_intent_share: (s, p) => `show high purchase intent in ${s} vs ${p} of reviews`,
};

const FORMATS: Record<string, (value: number) => string> = {
  monetary: (v) => NUMBER.format(v),
  frequency: (v) => ONE_DECIMAL.format(v),
  recency_days: (v) => NUMBER.format(v),
  avg_order_value: (v) => NUMBER.format(v),
  discount_share: percent,
  price_sensitivity: (v) => v.toFixed(2),
  refund_rate: percent,
  browse_minutes_per_month: (v) => ONE_DECIMAL.format(v),
  sessions_per_month: (v) => ONE_DECIMAL.format(v),
  cart_abandon_rate: percent,
  tenure_days: (v) => NUMBER.format(v),
  review_count: (v) => ONE_DECIMAL.format(v),
  mean_sentiment: (v) => TWO_DECIMALS.format(v),
  negative_review_share: percent,
  high_intent_share: percent,
};

function value(means: Means, key: string): number | undefined {
  const v = means[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Comparisons of one segment against the population; false whenever a value is unknown. */
class Comparison {
  constructor(
    private readonly segment: Means,
    private readonly population: Means,
  ) {}

  seg(key: string): number | undefined {
    return value(this.segment, key);
  }

  pop(key: string): number | undefined {
    return value(this.population, key);
  }

  /** segment >= factor * population and >= population + margin. */
  above(key: string, factor: number, margin = 0): boolean {
    const s = this.seg(key);
    const p = this.pop(key);
    if (s === undefined || p === undefined) return false;
    return s >= factor * p && s >= p + margin && s > p;
  }

  /** segment <= factor * population. */
  below(key: string, factor: number): boolean {
    const s = this.seg(key);
    const p = this.pop(key);
    if (s === undefined || p === undefined) return false;
    return s <= factor * p && s < p;
  }

  atLeast(key: string, threshold: number): boolean {
    const s = this.seg(key);
    return s !== undefined && s >= threshold;
  }

  atMost(key: string, threshold: number): boolean {
    const s = this.seg(key);
    return s !== undefined && s <= threshold;
  }
}

/** Which archetype a segment fits, by the rules in the header comment. */
export function classifySegment(segmentMeans: Means, populationMeans: Means): Archetype {
  const c = new Comparison(segmentMeans, populationMeans);
  const sentimentDrop = (() => {
    const s = c.seg('mean_sentiment');
    const p = c.pop('mean_sentiment');
    return s !== undefined && p !== undefined && s <= p - 0.3 && s < 0;
  })();
  if (
    (c.above('refund_rate', 1.75) && c.atLeast('refund_rate', 0.1)) ||
    sentimentDrop ||
    (c.above('negative_review_share', 1.75) && c.atLeast('negative_review_share', 0.3))
  ) {
    return 'unhappy';
  }
  if (
    (c.above('browse_minutes_per_month', 1.3) || c.above('sessions_per_month', 1.3)) &&
    (c.below('frequency', 0.75) || c.atMost('frequency', 0)) &&
    (c.above('cart_abandon_rate', 1.2) || c.atLeast('cart_abandon_rate', 0.5))
  ) {
    return 'window_shoppers';
  }
  if (c.above('recency_days', 1.75) && c.atLeast('recency_days', 120)) return 'lapsed';
  if (c.above('monetary', 1.5) && c.above('frequency', 1.25) && c.below('recency_days', 0.8)) {
    return 'loyal_high_spenders';
  }
  if (c.above('discount_share', 1.4, 0.05) || c.above('price_sensitivity', 1.3, 0.1)) return 'bargain_hunters';
  if (c.below('tenure_days', 0.5) && c.atMost('tenure_days', 120)) return 'new_customers';
  return 'everyday';
}

/** "a, b and c" */
function joinPhrases(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * How far a segment mean is from the population's, on a scale where 0.15 is
 * "worth citing": relative difference, except for sentiment (-1..1), where it
 * is the absolute difference scaled so 0.1 counts.
 */
function deviation(key: string, segment: number, population: number): number {
  if (key === 'mean_sentiment') return (Math.abs(segment - population) / 0.1) * 0.15;
  const scale = Math.max(Math.abs(population), 1e-9);
  return Math.abs(segment - population) / scale;
}

const NOTABLE = 0.15;

/**
 * Up to `limit` "verb X vs Y" phrases: the archetype's own features first
 * (only those that differ notably, unless `all`), then the other features that
 * deviate most, so a card always cites what sets the segment apart.
 */
function citations(keys: readonly string[], segmentMeans: Means, populationMeans: Means, limit: number, all: boolean): string[] {
  const cite = (key: string): string | undefined => {
    const s = value(segmentMeans, key);
    const p = value(populationMeans, key);
    const phrase = PHRASES[key];
    const format = FORMATS[key];
    if (s === undefined || p === undefined || phrase === undefined || format === undefined) return undefined;
    if (!all && deviation(key, s, p) < NOTABLE) return undefined;
    return phrase(format(s), format(p));
  };
  const out: string[] = [];
  for (const key of keys) {
    if (out.length >= limit) return out;
    const text = cite(key);
    if (text !== undefined) out.push(text);
  }
  if (all || out.length >= 2) return out;
  const others = Object.keys(PHRASES)
    .filter((key) => !keys.includes(key))
    .map((key) => {
      const s = value(segmentMeans, key);
      const p = value(populationMeans, key);
      return { key, score: s === undefined || p === undefined ? 0 : deviation(key, s, p) };
    })
    .filter((entry) => entry.score >= NOTABLE)
    .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
  for (const { key } of others) {
    if (out.length >= limit) break;
    const text = cite(key);
    if (text !== undefined) out.push(text);
  }
  return out;
}

/** Extra actions for a strong secondary trait, so cards of one archetype are not all alike. */
function secondaryActions(archetype: Archetype, c: Comparison): string[] {
  const extra: string[] = [];
  if (archetype !== 'window_shoppers' && (c.above('cart_abandon_rate', 1.3) || c.atLeast('cart_abandon_rate', 0.6))) {
    extra.push('Add an abandoned-cart reminder within 24 hours');
  }
  if (archetype !== 'bargain_hunters' && archetype !== 'loyal_high_spenders' && c.above('discount_share', 1.5, 0.05)) {
    extra.push('Cap discount depth for this group and test smaller coupons');
  }
  if (archetype !== 'unhappy' && c.above('refund_rate', 1.5) && c.atLeast('refund_rate', 0.1)) {
    extra.push('Check sizing and product descriptions for the items they return most');
  }
  return extra;
}

/**
 * A rule-based persona card for one segment. `size` is the segment's customer
 * count and `total` the population's.
 */
export function describeSegment(
  segmentMeans: Record<string, number>,
  populationMeans: Record<string, number>,
  size: number,
  total: number,
): PersonaCard {
  const archetype = classifySegment(segmentMeans, populationMeans);
  const info = ARCHETYPES[archetype];
  const share = total > 0 ? size / total : 0;
  const shareText = share > 0 && share < 0.01 ? '<1%' : percent(share);
  const first = `${info.name} are ${shareText} of customers (${NUMBER.format(size)} of ${NUMBER.format(total)}) who ${info.trait}.`;
  const cited = citations(info.cite, segmentMeans, populationMeans, 3, archetype === 'everyday');
  const second =
    cited.length > 0
      ? `Compared with all customers, they ${joinPhrases(cited)}.`
      : 'Their averages are close to the population on the measured features.';
  const c = new Comparison(segmentMeans, populationMeans);
  const actions = [...info.actions.slice(0, 3), ...secondaryActions(archetype, c)].slice(0, 4);
  return { name: info.name, description: `${first} ${second}`, suggestedActions: actions };
}

/**
 * Makes names unique within a version: the first card with a name keeps it,
 * later ones become "Name (2)", "Name (3)", ... Pass cards in segment order
 * (largest first) so the biggest segment keeps the plain name. Returns new
 * card objects; the input is not modified.
 */
export function nameSegments<T extends { name: string }>(cards: readonly T[]): T[] {
  const taken = new Set(cards.map((card) => card.name));
  const seen = new Set<string>();
  const counters = new Map<string, number>();
  return cards.map((card) => {
    if (!seen.has(card.name)) {
      seen.add(card.name);
      return { ...card };
    }
    let n = counters.get(card.name) ?? 1;
    let candidate: string;
    do {
      n += 1;
      candidate = `${card.name} (${n})`;
    } while (taken.has(candidate) || seen.has(candidate));
    counters.set(card.name, n);
    seen.add(candidate);
    return { ...card, name: candidate };
  });
}
