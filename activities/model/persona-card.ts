import type { BusinessFacts, SegmentFacts } from './segment-facts.ts';

/**
 * The offline persona card: a rule-based name, a two-sentence description and
 * marketing actions for one segment. It needs no LLM, so a run without one
 * still publishes readable personas, and the LLM card can be checked against it.
 *
 * Names are in absolute, data-aware terms (segment-facts.ts): "lapsed" against
 * the business's own purchase cycle, "steady" only when most of the segment
 * really buys at its own steady pace, and a segment most of whose customers
 * never ordered says so. Relative comparisons with the population remain for
 * traits that have no natural absolute scale (spend, discounts, browsing), each
 * with an absolute floor.
 *
 * Archetypes, first match wins (means are the segment's, p the population's):
 *   1. never ordered       >= 50% of the segment has no completed order
 *   2. unhappy             refund rate >= 10% and >= 1.75x p; or, with >= 20% of
 *                          the segment reviewing, sentiment < 0 and 0.3 below p,
 *                          or negative-review share >= 30% and >= 1.75x p
 *   3. window shoppers     browse minutes or sessions >= 1.3x p, orders <= 0.75x p,
 *                          cart abandonment >= 50% (or >= 1.2x p and >= 30%)
 *   4. lapsed              the segment's median days since the last order exceed
 *                          the lapse threshold (3 purchase cycles, >= 30 days)
 *   5. loyal high spenders monetary >= 1.5x p, orders >= 1.25x p, >= 50% steady
 *   6. bargain hunters     discount share >= 1.4x p (and +5 points), or price
 *                          sensitivity >= 1.3x p (and +0.1)
 *   7. new customers       tenure <= 0.5x p and <= 120 days
 *   8. steady regulars     >= 50% of the segment steady
 *   9. occasional buyers   none of the above
 *
 * Every figure a card cites is its segment's own (size, share of customers,
 * segment means). An action appears only when the data behind it exists and is
 * notable for the segment: category actions only when most of the segment has
 * categories, complaint outreach only when >= 20% of its reviews are negative,
 * the abandoned-cart reminder only when its own abandonment is >= 30% and
 * >= 1.3x the population's.
 */

export interface PersonaCard {
  name: string;
  description: string;
  suggestedActions: string[];
}

type Means = Readonly<Record<string, number>>;

export type Archetype =
  | 'never_ordered'
  | 'unhappy'
  | 'window_shoppers'
  | 'lapsed'
  | 'loyal_high_spenders'
  | 'bargain_hunters'
  | 'new_customers'
  | 'steady'
  | 'occasional';

export interface SegmentContext {
  means: Means;
  population: Means;
  facts: SegmentFacts;
  business: BusinessFacts;
}

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percent = (value: number): string => `${Math.round(value * 100)}%`;

function value(means: Means, key: string): number | undefined {
  const v = means[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Comparisons of one segment against the population; false whenever a value is unknown. */
class Comparison {
  constructor(private readonly c: SegmentContext) {}

  seg(key: string): number | undefined {
    return value(this.c.means, key);
  }

  pop(key: string): number | undefined {
    return value(this.c.population, key);
  }

  /** segment >= factor * population and >= population + margin. */
  above(key: string, factor: number, margin = 0): boolean {
    const s = this.seg(key);
    const p = this.pop(key);
    if (s === undefined || p === undefined) return false;
    return s >= factor * p && s >= p + margin && s > p;
  }

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

const reviewsCount = (c: SegmentContext): boolean => c.facts.reviewedShare >= 0.2;

/** Which archetype a segment fits, by the rules in the header comment. */
export function classifySegment(context: SegmentContext): Archetype {
  const c = new Comparison(context);
  const { facts, business } = context;
  if (facts.neverOrderedShare >= 0.5) return 'never_ordered';
  const sentiment = c.seg('mean_sentiment');
  const popSentiment = c.pop('mean_sentiment');
  const sentimentDrop = sentiment !== undefined && popSentiment !== undefined && sentiment < 0 && sentiment <= popSentiment - 0.3;
  if (
    (c.above('refund_rate', 1.75) && c.atLeast('refund_rate', 0.1)) ||
    (reviewsCount(context) && (sentimentDrop || (c.above('negative_review_share', 1.75) && c.atLeast('negative_review_share', 0.3))))
  ) {
    return 'unhappy';
  }
  if (
    (c.above('browse_minutes_per_month', 1.3) || c.above('sessions_per_month', 1.3)) &&
    c.below('frequency', 0.75) &&
    (c.atLeast('cart_abandon_rate', 0.5) || (c.above('cart_abandon_rate', 1.2) && c.atLeast('cart_abandon_rate', 0.3)))
  ) {
    return 'window_shoppers';
  }
  if (facts.medianRecency !== undefined && facts.medianRecency > business.lapseDays) return 'lapsed';
  if (c.above('monetary', 1.5) && c.above('frequency', 1.25) && facts.steadyShare >= 0.5) return 'loyal_high_spenders';
  if (c.above('discount_share', 1.4, 0.05) || c.above('price_sensitivity', 1.3, 0.1)) return 'bargain_hunters';
  if (c.below('tenure_days', 0.5) && c.atMost('tenure_days', 120)) return 'new_customers';
  if (facts.steadyShare >= 0.5) return 'steady';
  return 'occasional';
}

/** Notable-for-this-segment tests behind actions. */
function notable(context: SegmentContext) {
  const c = new Comparison(context);
  return {
    categories: context.facts.categoryShare >= 0.5,
    complaints: reviewsCount(context) && c.atLeast('negative_review_share', 0.2),
    refunds: c.atLeast('refund_rate', 0.1) && c.above('refund_rate', 1.5),
    carts: c.atLeast('cart_abandon_rate', 0.3) && c.above('cart_abandon_rate', 1.3),
    discounts: c.above('discount_share', 1.5, 0.05),
    browsing: c.atLeast('sessions_per_month', 1),
    reviews: reviewsCount(context),
  };
}

type Notable = ReturnType<typeof notable>;

interface ArchetypeInfo {
  name: (context: SegmentContext) => string;
  /** Completes "N% of customers ... who <trait>". */
  trait: (context: SegmentContext) => string;
  /** Features cited in the second sentence, in order, when the segment has them. */
  cite: string[];
  actions: (n: Notable) => Array<string | false>;
}

const ARCHETYPES: Record<Archetype, ArchetypeInfo> = {
  never_ordered: {
    name: (c) => ((value(c.means, 'sessions_per_month') ?? 0) >= 1 ? 'Browsers who never ordered' : 'Sign-ups who never ordered'),
    trait: (c) => `have not completed an order (${percent(c.facts.neverOrderedShare)} of them)`,
    cite: ['sessions_per_month', 'browse_minutes_per_month', 'cart_abandon_rate', 'tenure_days'],
    actions: (n) => [
      'Send a first-order incentive with a clear expiry date',
      n.carts && 'Send an abandoned-cart reminder within 24 hours, showing the items left behind',
      n.browsing && 'Retarget the products they viewed, with reviews and social proof',
      !n.browsing && 'Send a welcome series that shows what the shop offers',
    ],
  },
  unhappy: {
    name: () => 'Unhappy customers',
    trait: (c) => (reviewsCount(c) ? 'return, cancel or complain far more than others' : 'return or cancel far more orders than others'),
    cite: ['refund_rate', 'negative_review_share', 'mean_sentiment', 'frequency'],
    actions: (n) => [
      n.complaints && 'Have customer service reach out personally to recent complainants within 48 hours',
      n.refunds && 'Review the products behind their refunds and cancellations with the product owners',
      n.complaints && 'Offer a goodwill voucher after a resolved complaint, not before',
      'Exclude them from promotional blasts until the open issue is resolved',
    ],
  },
  window_shoppers: {
    name: () => 'Window shoppers',
    trait: () => 'browse and fill carts often but rarely complete an order',
    cite: ['browse_minutes_per_month', 'cart_abandon_rate', 'frequency', 'sessions_per_month'],
    actions: (n) => [
      n.carts && 'Send an abandoned-cart reminder within 24 hours, showing the items left behind',
      'Offer free shipping or an incentive above a basket threshold',
      'Retarget recently viewed products with reviews and social proof',
    ],
  },
  lapsed: {
    name: () => 'Lapsed customers',
    trait: () => 'have not ordered for more than three of the business’s purchase cycles',
    cite: ['recency_days', 'frequency', 'monetary', 'sessions_per_month'],
    actions: (n) => [
      'Run a win-back email series with a time-limited offer',
      'Ask a one-question survey about why they stopped buying',
      n.categories && 'Show what is new in the categories they bought before',
    ],
  },
  loyal_high_spenders: {
    name: () => 'Loyal high spenders',
    trait: () => 'spend and order well above others and keep buying at a steady pace',
    cite: ['monetary', 'frequency', 'recency_days', 'avg_order_value'],
    actions: (n) => [
      'Invite them to a VIP or loyalty tier with early access to new products',
      'Protect margin: reward them with service and exclusives rather than discounts',
      'Ask for reviews and referrals after delivery',
      n.categories && 'Preview new arrivals in their top categories before general release',
    ],
  },
  bargain_hunters: {
    name: () => 'Bargain hunters',
    trait: () => 'buy mostly when there is a discount',
    cite: ['discount_share', 'price_sensitivity', 'avg_order_value', 'frequency'],
    actions: () => [
      'Target them with sale, clearance and bundle announcements instead of full-price campaigns',
      'Use minimum-basket thresholds on coupons to lift order value',
      'Test loyalty points as a cheaper alternative to blanket discounts',
    ],
  },
  new_customers: {
    name: () => 'New customers',
    trait: () => 'joined recently',
    cite: ['tenure_days', 'frequency', 'monetary', 'sessions_per_month'],
    actions: (n) => [
      n.categories ? 'Send an onboarding series that introduces best-selling categories' : 'Send an onboarding series that introduces the shop',
      'Offer a second-order incentive within 30 days of the first',
      'Ask for feedback on their first delivery',
    ],
  },
  steady: {
    name: () => 'Steady regulars',
    trait: (c) => `keep buying at their own steady pace (${percent(c.facts.steadyShare)} of them ordered within two of their usual gaps)`,
    cite: ['frequency', 'recency_days', 'monetary', 'avg_order_value'],
    actions: (n) => [
      'Time reminders and replenishment offers to their usual gap between orders',
      n.categories && 'Recommend products from their top categories',
      'Nudge them toward the loyalty programme with a points bonus',
    ],
  },
  occasional: {
    name: (c) => (c.facts.repeatShare < 0.5 ? 'One-time buyers' : 'Occasional buyers'),
    trait: (c) =>
      c.facts.repeatShare < 0.5
        ? `have bought on a single day so far (${percent(1 - c.facts.repeatShare)} of them)`
        : 'buy now and then, without a steady rhythm',
    cite: ['frequency', 'recency_days', 'avg_order_value', 'monetary'],
    actions: (n) => [
      'Offer a second-order incentive while the first purchase is fresh',
      n.categories && 'Recommend products from the categories they bought',
      'Ask for feedback on their last order',
    ],
  },
};

/** How a segment figure is worded in a description: "<phrase with value>". */
const PHRASES: Record<string, (v: number) => string> = {
  monetary: (v) => `spend ${NUMBER.format(v)} in total`,
  frequency: (v) => `place ${ONE_DECIMAL.format(v)} orders`,
  recency_days: (v) => `last ordered ${NUMBER.format(v)} days ago`,
  avg_order_value: (v) => `spend ${NUMBER.format(v)} per order`,
  discount_share: (v) => `get ${percent(v)} of their order value as discount`,
  price_sensitivity: (v) => `score ${v.toFixed(2)} on price sensitivity`,
  refund_rate: (v) => `refund or cancel ${percent(v)} of orders`,
  browse_minutes_per_month: (v) => `browse ${ONE_DECIMAL.format(v)} minutes a month`,
  sessions_per_month: (v) => `visit ${ONE_DECIMAL.format(v)} times a month`,
  cart_abandon_rate: (v) => `abandon ${percent(v)} of their carts`,
  tenure_days: (v) => `have been customers for ${NUMBER.format(v)} days`,
  mean_sentiment: (v) => `review with a mean sentiment of ${v.toFixed(2)}`,
  negative_review_share: (v) => `leave negative reviews ${percent(v)} of the time`,
};

/** "a, b and c" */
function joinPhrases(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** The segment's own cited figures, up to three, in the archetype's order; recency uses the buyers' median. */
function citations(archetype: Archetype, context: SegmentContext): string[] {
  const out: string[] = [];
  for (const key of ARCHETYPES[archetype].cite) {
    if (out.length >= 3) break;
    if (key === 'recency_days') {
      if (context.facts.medianRecency !== undefined) out.push(`last ordered a median of ${NUMBER.format(context.facts.medianRecency)} days ago`);
      continue;
    }
    if ((key === 'mean_sentiment' || key === 'negative_review_share') && !reviewsCount(context)) continue;
    const v = value(context.means, key);
    if (v !== undefined) out.push(PHRASES[key]!(v));
  }
  return out;
}

/** A rule-based persona card for one segment of `total` customers. */
export function describeSegment(context: SegmentContext, total: number): PersonaCard {
  const archetype = classifySegment(context);
  const info = ARCHETYPES[archetype];
  const size = context.facts.size;
  const share = total > 0 ? size / total : 0;
  const shareText = share > 0 && share < 0.01 ? '<1%' : percent(share);
  const name = info.name(context);
  const first = `${name} are ${shareText} of customers (${NUMBER.format(size)} of ${NUMBER.format(total)}) who ${info.trait(context)}.`;
  const cited = citations(archetype, context);
  const second = cited.length > 0 ? `On average they ${joinPhrases(cited)}.` : 'They have no orders, visits or reviews on record yet.';
  const n = notable(context);
  const own = info.actions(n).filter((a): a is string => typeof a === 'string');
  const extra: string[] = [];
  if (archetype !== 'window_shoppers' && archetype !== 'never_ordered' && n.carts) extra.push('Add an abandoned-cart reminder within 24 hours');
  if (archetype !== 'bargain_hunters' && archetype !== 'loyal_high_spenders' && n.discounts) extra.push('Cap discount depth for this group and test smaller coupons');
  if (archetype !== 'unhappy' && n.refunds) extra.push('Check sizing and product descriptions for the items they return most');
  return { name, description: `${first} ${second}`, suggestedActions: [...own, ...extra].slice(0, 4) };
}

/** Qualifiers that tell same-named segments apart, by the feature that separates them: [higher, lower]. */
const QUALIFIERS: Record<string, [string, string]> = {
  monetary: ['higher spend', 'lower spend'],
  frequency: ['more orders', 'fewer orders'],
  recency_days: ['longer since the last order', 'more recent orders'],
  avg_order_value: ['bigger baskets', 'smaller baskets'],
  discount_share: ['more discounts', 'fewer discounts'],
  price_sensitivity: ['more price-sensitive', 'less price-sensitive'],
  refund_rate: ['more refunds', 'fewer refunds'],
  browse_minutes_per_month: ['more browsing', 'less browsing'],
  sessions_per_month: ['more visits', 'fewer visits'],
  cart_abandon_rate: ['more abandoned carts', 'fewer abandoned carts'],
  tenure_days: ['longer-standing', 'newer'],
  review_count: ['more reviews', 'fewer reviews'],
  mean_sentiment: ['happier reviews', 'unhappier reviews'],
  negative_review_share: ['more negative reviews', 'fewer negative reviews'],
  high_intent_share: ['higher purchase intent', 'lower purchase intent'],
};

/**
 * Makes names unique within a version without numbering: segments that share
 * a name are told apart by the features on which each differs most from the
 * others of that name (in population standard deviations, `spread`), e.g.
 * "Lapsed customers, higher spend" and "Lapsed customers, lower spend". A
 * second qualifier is added where the first still collides. Returns new card
 * objects; the input is not modified.
 */
export function nameSegments<T extends { name: string }>(cards: readonly T[], means: readonly Means[], spread: Means): T[] {
  const out = cards.map((card) => ({ ...card }));
  const groups = new Map<string, number[]>();
  cards.forEach((card, i) => groups.set(card.name, [...(groups.get(card.name) ?? []), i]));
  for (const [name, members] of groups) {
    if (members.length < 2) continue;
    const ranked = members.map((i) => {
      const keys = Object.keys(QUALIFIERS).filter((key) => value(means[i] ?? {}, key) !== undefined && (value(spread, key) ?? 0) > 0);
      return keys
        .map((key) => {
          const others = members.filter((j) => j !== i).map((j) => value(means[j] ?? {}, key)).filter((v): v is number => v !== undefined);
          const mean = others.length > 0 ? others.reduce((a, b) => a + b, 0) / others.length : value(means[i]!, key)!;
          const z = (value(means[i]!, key)! - mean) / value(spread, key)!;
          return { key, z };
        })
        .filter((e) => e.z !== 0)
        .sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || (a.key < b.key ? -1 : 1));
    });
    const words = members.map(() => [] as string[]);
    const label = (m: number) => `${name}, ${words[m]!.join(', ')}`;
    for (let depth = 0; depth < 4; depth++) {
      const labels = members.map((_, m) => label(m));
      const clash = (m: number) => depth === 0 || labels.filter((l) => l === labels[m]).length > 1;
      const toExtend = members.map((_, m) => m).filter(clash);
      if (toExtend.length === 0) break;
      for (const m of toExtend) {
        const next = ranked[m]!.find((e) => !words[m]!.some((w) => QUALIFIERS[e.key]!.includes(w)));
        if (next) words[m]!.push(QUALIFIERS[next.key]![next.z > 0 ? 0 : 1]);
      }
    }
    members.forEach((i, m) => {
      out[i]!.name = words[m]!.length > 0 ? label(m) : name;
    });
  }
  return out;
}
