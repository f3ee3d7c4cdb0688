import { describe, expect, it } from 'vitest';
import { classifySegment, describeSegment, nameSegments } from '../../activities/model/persona-card.ts';

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

const planted: Record<string, Record<string, number>> = {
  'Loyal high spenders': {
    ...population,
    recency_days: 20,
    frequency: 12,
    monetary: 1500,
    avg_order_value: 125,
    discount_share: 0.08,
    browse_minutes_per_month: 60,
    sessions_per_month: 8,
    cart_abandon_rate: 0.2,
    tenure_days: 900,
    mean_sentiment: 0.6,
  },
  'Bargain hunters': {
    ...population,
    recency_days: 45,
    frequency: 5,
    monetary: 350,
    avg_order_value: 70,
    discount_share: 0.35,
    price_sensitivity: 0.75,
  },
  'Window shoppers': {
    ...population,
    recency_days: 200,
    frequency: 0.5,
    monetary: 40,
    browse_minutes_per_month: 120,
    sessions_per_month: 14,
    cart_abandon_rate: 0.8,
  },
  'Lapsed customers': {
    ...population,
    recency_days: 400,
    frequency: 2,
    monetary: 200,
    browse_minutes_per_month: 5,
    sessions_per_month: 0.5,
  },
  'Unhappy customers': {
    ...population,
    recency_days: 150,
    refund_rate: 0.35,
    mean_sentiment: -0.4,
    negative_review_share: 0.6,
  },
  'New customers': { ...population, tenure_days: 40, recency_days: 15, frequency: 1.2, monetary: 90 },
  'Everyday shoppers': { ...population, monetary: 420, frequency: 4.2 },
};

const sentences = (text: string) => text.match(/[.!?](\s|$)/g)?.length ?? 0;

describe('describeSegment', () => {
  for (const [name, means] of Object.entries(planted)) {
    it(`names a planted "${name}" segment`, () => {
      const card = describeSegment(means, population, 1200, 10_000);
      expect(card.name).toBe(name);
      expect(sentences(card.description)).toBe(2);
      expect(card.description).toContain('12% of customers (1,200 of 10,000)');
      expect(card.suggestedActions.length).toBeGreaterThanOrEqual(2);
      expect(card.suggestedActions.length).toBeLessThanOrEqual(4);
    });
  }

  it('cites the distinguishing figures', () => {
    const loyal = describeSegment(planted['Loyal high spenders']!, population, 500, 10_000);
    expect(loyal.description).toContain('spend 1,500 vs 400');
    expect(loyal.description).toContain('place 12.0 vs 4.0 orders');
    expect(loyal.description).toContain('last ordered 20 vs 90 days ago');
    const bargain = describeSegment(planted['Bargain hunters']!, population, 500, 10_000);
    expect(bargain.description).toContain('35% vs 12%');
    const unhappy = describeSegment(planted['Unhappy customers']!, population, 500, 10_000);
    expect(unhappy.description).toContain('refund or cancel 35% vs 5% of orders');
    expect(unhappy.description).toContain('-0.40 vs +0.30');
  });

  it('cites only figures that differ notably', () => {
    const lapsed = describeSegment({ ...population, recency_days: 400 }, population, 10, 100);
    expect(lapsed.name).toBe('Lapsed customers');
    expect(lapsed.description).toContain('last ordered 400 vs 90 days ago');
    expect(lapsed.description).not.toContain('4.0 vs 4.0');
    expect(sentences(lapsed.description)).toBe(2);
  });

  it('adds a secondary action for a strong secondary trait', () => {
    const card = describeSegment({ ...planted['Bargain hunters']!, cart_abandon_rate: 0.7 }, population, 10, 100);
    expect(card.name).toBe('Bargain hunters');
    expect(card.suggestedActions).toHaveLength(4);
    expect(card.suggestedActions[3]).toMatch(/abandoned-cart/);
  });

  it('never triggers on missing or non-finite means', () => {
    expect(classifySegment({}, population)).toBe('everyday');
    expect(classifySegment({ ...population, recency_days: Number.NaN, monetary: 2000, frequency: 10 }, population)).toBe(
      'everyday',
    );
    const card = describeSegment({}, {}, 0, 0);
    expect(card.name).toBe('Everyday shoppers');
    expect(sentences(card.description)).toBe(2);
  });
});

describe('nameSegments', () => {
  it('numbers duplicate names in order, keeping the first plain', () => {
    const named = nameSegments([
      { name: 'Bargain hunters', id: 0 },
      { name: 'Lapsed customers', id: 1 },
      { name: 'Bargain hunters', id: 2 },
      { name: 'Bargain hunters', id: 3 },
    ]);
    expect(named.map((c) => c.name)).toEqual([
      'Bargain hunters',
      'Lapsed customers',
      'Bargain hunters (2)',
      'Bargain hunters (3)',
    ]);
    expect(named.map((c) => c.id)).toEqual([0, 1, 2, 3]);
  });

  it('avoids names that are already taken', () => {
    const named = nameSegments([{ name: 'A' }, { name: 'A' }, { name: 'A (2)' }]);
    expect(named.map((c) => c.name)).toEqual(['A', 'A (3)', 'A (2)']);
    expect(new Set(named.map((c) => c.name)).size).toBe(3);
  });

  it('does not modify its input', () => {
    const cards = [{ name: 'X' }, { name: 'X' }];
    nameSegments(cards);
    expect(cards).toEqual([{ name: 'X' }, { name: 'X' }]);
  });
});
