import { describe, expect, it } from 'vitest';
import { churnRisk, clvThresholds, clvTier, modelChurnRisk, quantileSorted, valueThresholds, valueTier } from '../../activities/model/profile-rules.ts';

describe('valueThresholds', () => {
  it('takes interpolated quantiles over buyers only', () => {
    // buyers' monetary 10..100 step 10; frequency 1..10; plus 5 never-ordered customers.
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => ({ monetary: (i + 1) * 10, frequency: i + 1 })),
      ...Array.from({ length: 5 }, () => ({ monetary: 0, frequency: 0 })),
    ];
    const t = valueThresholds(rows);
    expect(t.buyers).toBe(10);
    expect(t.monetaryP40).toBeCloseTo(46, 12); // h = 9*0.4 = 3.6 -> 40 + 0.6*10
    expect(t.monetaryP80).toBeCloseTo(82, 12); // h = 7.2 -> 80 + 0.2*10
    expect(t.frequencyMedian).toBeCloseTo(5.5, 12);
  });

  it('is all zeros without buyers', () => {
    expect(valueThresholds([{ monetary: 0, frequency: 0 }])).toEqual({
      monetaryP40: 0,
      monetaryP80: 0,
      frequencyMedian: 0,
      buyers: 0,
    });
  });

  it('quantileSorted interpolates', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([7], 0.8)).toBe(7);
    expect(quantileSorted([], 0.5)).toBe(0);
  });
});

describe('valueTier', () => {
  const t = { monetaryP40: 46, monetaryP80: 82, frequencyMedian: 5.5, buyers: 10 };
  it('high needs top spend and at least median frequency', () => {
    expect(valueTier({ monetary: 90, frequency: 6 }, t)).toBe('high');
    expect(valueTier({ monetary: 82, frequency: 5.5 }, t)).toBe('high');
    expect(valueTier({ monetary: 500, frequency: 1 }, t)).toBe('medium');
  });
  it('low is below p40 or no orders', () => {
    expect(valueTier({ monetary: 45.9, frequency: 9 }, t)).toBe('low');
    expect(valueTier({ monetary: 0, frequency: 0 }, t)).toBe('low');
    expect(valueTier({ monetary: 60, frequency: 3 }, t)).toBe('medium');
  });
});

describe('churnRisk', () => {
  it('never-ordered customers: high after 90 days of tenure', () => {
    expect(churnRisk({ recency_days: null, frequency: 0, tenure_days: 91 })).toBe('high');
    expect(churnRisk({ recency_days: null, frequency: 0, tenure_days: 90 })).toBe('medium');
  });
  it('compares recency with the own purchase rhythm', () => {
    // gap = 300 / 10 = 30 days
    expect(churnRisk({ recency_days: 20, frequency: 10, tenure_days: 300 })).toBe('low');
    expect(churnRisk({ recency_days: 45, frequency: 10, tenure_days: 300 })).toBe('low');
    expect(churnRisk({ recency_days: 46, frequency: 10, tenure_days: 300 })).toBe('medium');
    expect(churnRisk({ recency_days: 91, frequency: 10, tenure_days: 300 })).toBe('high');
  });
  it('is high after 180 days whatever the rhythm', () => {
    expect(churnRisk({ recency_days: 181, frequency: 1, tenure_days: 2000 })).toBe('high');
    expect(churnRisk({ recency_days: 170, frequency: 1, tenure_days: 2000 })).toBe('low');
  });
  it('floors the expected gap at 14 days', () => {
    // 30 orders in 60 days: gap would be 2 days; floored to 14 -> medium above 21, high above 42.
    expect(churnRisk({ recency_days: 10, frequency: 30, tenure_days: 60 })).toBe('low');
    expect(churnRisk({ recency_days: 22, frequency: 30, tenure_days: 60 })).toBe('medium');
    expect(churnRisk({ recency_days: 43, frequency: 30, tenure_days: 60 })).toBe('high');
  });
});

describe('model-based tier and churn risk', () => {
  const value = (predictedClv: number, pNoOrder: number) => ({ pAlive: 1 - pNoOrder, expectedOrders: 1, predictedClv, pNoOrder });
  it('tiers buyers by predicted_clv quantiles; never-ordered customers are low', () => {
    const values = [...Array.from({ length: 10 }, (_, i) => value((i + 1) * 10, 0.5)), undefined];
    const t = clvThresholds(values);
    expect(t).toEqual({ clvP40: 46, clvP80: 82, buyers: 10 });
    expect(clvTier(value(82, 0.5), t)).toBe('high');
    expect(clvTier(value(81.9, 0.5), t)).toBe('medium');
    expect(clvTier(value(45.9, 0.5), t)).toBe('low');
    expect(clvTier(undefined, t)).toBe('low');
  });
  it('bins P(no order in the horizon); never-ordered customers by tenure', () => {
    expect(modelChurnRisk(value(1, 0.75), { tenure_days: 10 })).toBe('high');
    expect(modelChurnRisk(value(1, 0.74), { tenure_days: 10 })).toBe('medium');
    expect(modelChurnRisk(value(1, 0.39), { tenure_days: 10 })).toBe('low');
    expect(modelChurnRisk(undefined, { tenure_days: 91 })).toBe('high');
    expect(modelChurnRisk(undefined, { tenure_days: 30 })).toBe('medium');
  });
});
