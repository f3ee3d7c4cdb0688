import { describe, expect, it } from 'vitest';
import { classifySegment, describeSegment, nameSegments, type SegmentContext } from '../../activities/model/persona-card.ts';
import type { SegmentFacts } from '../../activities/model/segment-facts.ts';

const population = {
  recency_days: 90,
  frequency: 4,
  monetary: 400,
  avg_order_value: 100,
  discount_share: 0.12,
  refund_rate: 0.05,
  price_sensitivity: 0.3,
  browse_minutes_per_month: 40,
  sessions_per_month: 5,
  cart_abandon_rate: 0.3,
  tenure_days: 500,
  review_count: 1,
  mean_sentiment: 0.3,
  negative_review_share: 0.15,
  high_intent_share: 0.2,
};

const facts = (over: Partial<SegmentFacts> = {}): SegmentFacts => ({
  size: 1200,
  neverOrderedShare: 0,
  repeatShare: 0.8,
  steadyShare: 0.3,
  lapsedShare: 0.2,
  categoryShare: 1,
  reviewedShare: 0.5,
  medianRecency: 40,
  ...over,
});

const business = { cycleDays: 30, lapseDays: 90 };
const ctx = (means: Record<string, number>, over: Partial<SegmentFacts> = {}): SegmentContext => ({
  means,
  population,
  facts: facts(over),
  business,
});

const planted: Record<string, SegmentContext> = {
  'Loyal high spenders': ctx(
    { ...population, recency_days: 20, frequency: 12, monetary: 1500, avg_order_value: 125, discount_share: 0.08, cart_abandon_rate: 0.2 },
    { steadyShare: 0.8, medianRecency: 18 },
  ),
  'Bargain hunters': ctx({ ...population, discount_share: 0.35, price_sensitivity: 0.75 }),
  'Window shoppers': ctx({ ...population, frequency: 0.8, browse_minutes_per_month: 120, sessions_per_month: 14, cart_abandon_rate: 0.8 }),
  'Lapsed customers': ctx({ ...population, recency_days: 400, sessions_per_month: 0.5 }, { medianRecency: 380 }),
  'Unhappy customers': ctx({ ...population, refund_rate: 0.35, mean_sentiment: -0.4, negative_review_share: 0.6 }),
  'New customers': ctx({ ...population, tenure_days: 40, frequency: 1.2, monetary: 90 }, { medianRecency: 15 }),
  'Steady regulars': ctx({ ...population }, { steadyShare: 0.7 }),
  'Occasional buyers': ctx({ ...population }, { steadyShare: 0.2 }),
  'One-time buyers': ctx({ ...population, frequency: 1 }, { repeatShare: 0.1, steadyShare: 0 }),
  'Browsers who never ordered': ctx({ ...population, frequency: 0.1, sessions_per_month: 3 }, { neverOrderedShare: 0.9, medianRecency: 200 }),
  'Sign-ups who never ordered': ctx({ ...population, frequency: 0, sessions_per_month: 0 }, { neverOrderedShare: 1, medianRecency: undefined }),
};

const sentences = (text: string) => text.match(/[.!?](\s|$)/g)?.length ?? 0;
const numbers = (text: string) => text.match(/-?\d[\d,]*(\.\d+)?/g) ?? [];

describe('describeSegment', () => {
  for (const [name, context] of Object.entries(planted)) {
    it(`names a planted "${name}" segment`, () => {
      const card = describeSegment(context, 10_000);
      expect(card.name).toBe(name);
      expect(sentences(card.description)).toBe(2);
      expect(card.description).toContain('12% of customers (1,200 of 10,000)');
      expect(card.suggestedActions.length).toBeGreaterThanOrEqual(1);
      expect(card.suggestedActions.length).toBeLessThanOrEqual(4);
    });
  }

  it('cites only the segment’s own figures, never the population’s', () => {
    for (const context of Object.values(planted)) {
      const card = describeSegment(context, 10_000);
      const own = new Set(['12', '1,200', '10,000']);
      const m = context.means;
      for (const v of Object.values(m)) {
        own.add(new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(v));
        own.add(new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v));
        own.add(String(Math.round(v * 100)));
        own.add(v.toFixed(2));
      }
      const f = context.facts;
      for (const share of [f.neverOrderedShare, f.steadyShare, 1 - f.repeatShare]) own.add(String(Math.round(share * 100)));
      if (f.medianRecency !== undefined) own.add(String(Math.round(f.medianRecency)));
      for (const n of numbers(card.description)) expect(own, `${n} in "${card.description}"`).toContain(n);
      // The population's recency (90) and spend (400) never appear unless they are the segment's too.
      if (f.medianRecency !== 90 && !Object.values(m).includes(90)) expect(card.description).not.toMatch(/\b90 days/);
    }
    const loyal = describeSegment(planted['Loyal high spenders']!, 10_000);
    expect(loyal.description).toContain('spend 1,500 in total');
    expect(loyal.description).toContain('place 12.0 orders');
    expect(loyal.description).toContain('last ordered a median of 18 days ago');
  });

  it('measures lapsed against the business’s purchase cycle, not the population mean', () => {
    // Most of the population is lapsed (population mean recency 420): a relative rule would never fire.
    const lapsedPopulation = { ...population, recency_days: 420 };
    const context = { means: { ...lapsedPopulation }, population: lapsedPopulation, facts: facts({ medianRecency: 400, lapsedShare: 0.9 }), business };
    expect(classifySegment(context)).toBe('lapsed');
    expect(classifySegment({ ...context, business: { cycleDays: 200, lapseDays: 600 } })).not.toBe('lapsed');
  });

  it('calls a segment steady only when most of its customers buy at their own steady pace', () => {
    expect(classifySegment(ctx({ ...population }, { steadyShare: 0.49 }))).toBe('occasional');
    expect(classifySegment(ctx({ ...population }, { steadyShare: 0.5 }))).toBe('steady');
    const loyalButIrregular = ctx({ ...population, frequency: 12, monetary: 1500, recency_days: 20 }, { steadyShare: 0.2 });
    expect(classifySegment(loyalButIrregular)).not.toBe('loyal_high_spenders');
  });

  it('suggests actions only where the segment’s own data backs them', () => {
    const noCategories = describeSegment({ ...planted['Steady regulars']!, facts: facts({ steadyShare: 0.7, categoryShare: 0 }) }, 10_000);
    expect(noCategories.suggestedActions.join(' ')).not.toMatch(/categor/i);
    const withCategories = describeSegment(planted['Steady regulars']!, 10_000);
    expect(withCategories.suggestedActions.join(' ')).toMatch(/top categories/);

    const refundsOnly = describeSegment(ctx({ ...population, refund_rate: 0.4, negative_review_share: 0, mean_sentiment: 0.5 }), 10_000);
    expect(refundsOnly.name).toBe('Unhappy customers');
    expect(refundsOnly.suggestedActions.join(' ')).not.toMatch(/complain/i);
    expect(refundsOnly.suggestedActions.join(' ')).toMatch(/refunds/);

    // The population's cart rate (0.3) is high, but this segment's own (0.25) is not notable: no cart action.
    const quietCarts = describeSegment(ctx({ ...population, cart_abandon_rate: 0.25 }, { steadyShare: 0.7 }), 10_000);
    expect(quietCarts.suggestedActions.join(' ')).not.toMatch(/cart/i);
    const busyCarts = describeSegment(ctx({ ...population, cart_abandon_rate: 0.6 }, { steadyShare: 0.7 }), 10_000);
    expect(busyCarts.suggestedActions.join(' ')).toMatch(/abandoned-cart/);
  });

  it('never triggers on missing or non-finite means', () => {
    const empty = { means: {}, population: {}, facts: facts({ size: 0, medianRecency: undefined, steadyShare: 0, repeatShare: 0 }), business };
    expect(classifySegment(empty)).toBe('occasional');
    const card = describeSegment(empty, 0);
    expect(sentences(card.description)).toBe(2);
  });
});

describe('nameSegments', () => {
  const spread = { monetary: 100, frequency: 2, recency_days: 50 };
  it('tells same-named segments apart by what separates them, never by a number', () => {
    const named = nameSegments(
      [
        { name: 'Lapsed customers', id: 0 },
        { name: 'Bargain hunters', id: 1 },
        { name: 'Lapsed customers', id: 2 },
      ],
      [
        { monetary: 900, frequency: 3, recency_days: 400 },
        { monetary: 300, frequency: 3, recency_days: 50 },
        { monetary: 100, frequency: 3, recency_days: 410 },
      ],
      spread,
    );
    expect(named.map((c) => c.name)).toEqual(['Lapsed customers, higher spend', 'Bargain hunters', 'Lapsed customers, lower spend']);
    expect(named.map((c) => c.id)).toEqual([0, 1, 2]);
  });

  it('adds a second qualifier when the first still collides', () => {
    const named = nameSegments(
      [{ name: 'A' }, { name: 'A' }, { name: 'A' }],
      [
        { monetary: 900, frequency: 1 },
        { monetary: 100, frequency: 9 },
        { monetary: 100, frequency: 1 },
      ],
      spread,
    );
    const names = named.map((c) => c.name);
    expect(new Set(names).size).toBe(3);
    expect(names.every((n) => !/\(\d+\)/.test(n))).toBe(true);
  });

  it('does not modify its input', () => {
    const cards = [{ name: 'X' }, { name: 'X' }];
    nameSegments(cards, [{ monetary: 1 }, { monetary: 2 }], spread);
    expect(cards).toEqual([{ name: 'X' }, { name: 'X' }]);
  });
});
