import { describe, expect, it } from 'vitest';
import type { FeatureRow } from '../../activities/model/feature-row.ts';
import { FEATURE_NAMES, FEATURE_SPEC, RECENCY_CAP_DAYS } from '../../activities/model/feature-spec.ts';
import { applyScaler, fitScaler, parseScaler, toMatrix } from '../../activities/model/scaler.ts';

function row(overrides: Partial<FeatureRow> = {}): FeatureRow {
  return {
    customer_id: 'c1',
    recency_days: 10,
    frequency: 3,
    monetary: 120,
    avg_order_value: 40,
    discount_share: 0.1,
    refund_rate: 0,
    price_sensitivity: 0.2,
    browse_minutes_per_month: 30,
    sessions_per_month: 4,
    cart_abandon_rate: 0.25,
    tenure_days: 400,
    review_count: 2,
    mean_sentiment: 0.5,
    negative_review_share: 0,
    high_intent_share: 0.5,
    top_categories: ['shoes'],
    ...overrides,
  };
}

const column = (name: string) => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]);

describe('feature spec', () => {
  it('lists 15 distinct numeric features with documented notes', () => {
    expect(FEATURE_SPEC).toHaveLength(15);
    expect(new Set(FEATURE_NAMES).size).toBe(15);
    for (const entry of FEATURE_SPEC) expect(entry.note.length).toBeGreaterThan(0);
    expect(FEATURE_NAMES).not.toContain('top_categories');
  });
});

describe('toMatrix', () => {
  it('applies transforms in spec order', () => {
    const [values] = toMatrix([row()]);
    expect(values).toHaveLength(15);
    expect(values![column('frequency')]).toBeCloseTo(Math.log1p(3), 12);
    expect(values![column('monetary')]).toBeCloseTo(Math.log1p(120), 12);
    expect(values![column('discount_share')]).toBe(0.1);
    expect(values![column('mean_sentiment')]).toBe(0.5);
  });

  it('fills missing values for never-ordered, review-less customers', () => {
    const [values] = toMatrix([
      row({
        recency_days: null,
        frequency: 0,
        monetary: 0,
        avg_order_value: null,
        review_count: 0,
        mean_sentiment: null,
        negative_review_share: null,
        high_intent_share: null,
        browse_minutes_per_month: 0,
        sessions_per_month: 0,
      }),
    ]);
    expect(values![column('recency_days')]).toBeCloseTo(Math.log1p(RECENCY_CAP_DAYS), 12);
    expect(values![column('avg_order_value')]).toBe(0);
    expect(values![column('mean_sentiment')]).toBe(0);
    expect(values![column('negative_review_share')]).toBe(0);
    expect(values![column('high_intent_share')]).toBe(0);
    expect(values!.every(Number.isFinite)).toBe(true);
  });

  it('clamps out-of-range values', () => {
    const [values] = toMatrix([row({ recency_days: 5000, monetary: -20, discount_share: 1.3 })]);
    expect(values![column('recency_days')]).toBeCloseTo(Math.log1p(RECENCY_CAP_DAYS), 12);
    expect(values![column('monetary')]).toBe(0);
    expect(values![column('discount_share')]).toBe(1);
  });

  it('accepts bigint counts and names the bad value otherwise', () => {
    const [values] = toMatrix([row({ frequency: 3n as unknown as number })]);
    expect(values![column('frequency')]).toBeCloseTo(Math.log1p(3), 12);
    expect(() => toMatrix([row({ customer_id: 'c9', monetary: Number.NaN })])).toThrow(
      /feature monetary of customer c9 is not a finite number/,
    );
    expect(() => toMatrix([row({ frequency: null as unknown as number })])).toThrow(/frequency of customer c1 is null/);
  });
});

describe('scaler', () => {
  const matrix = [
    [1, 10, 5],
    [2, 20, 5],
    [3, 30, 5],
    [4, 40, 5],
  ];

  it('fits population means and stds; constant columns get std 1', () => {
    const scaler = fitScaler(matrix, ['a', 'b', 'c']);
    expect(scaler.means).toEqual([2.5, 25, 5]);
    expect(scaler.stds[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(scaler.stds[1]).toBeCloseTo(Math.sqrt(125), 12);
    expect(scaler.stds[2]).toBe(1);
    expect(scaler.features).toEqual(['a', 'b', 'c']);
  });

  it('scales columns to mean 0 and std 1 without touching the input', () => {
    const scaler = fitScaler(matrix);
    const copy = matrix.map((r) => [...r]);
    const scaled = applyScaler(matrix, scaler);
    expect(matrix).toEqual(copy);
    for (let j = 0; j < 2; j++) {
      const col = scaled.map((r) => r[j]!);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const variance = col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length;
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(1, 12);
    }
    expect(scaled.map((r) => r[2])).toEqual([0, 0, 0, 0]);
  });

  it('round-trips through JSON', () => {
    const scaler = fitScaler(matrix, ['a', 'b', 'c']);
    const back = parseScaler(JSON.parse(JSON.stringify(scaler)));
    expect(back).toEqual(scaler);
    expect(applyScaler([[2, 2, 2]], back)).toEqual(applyScaler([[2, 2, 2]], scaler));
    expect(() => parseScaler({ means: [1, 2], stds: [1] })).toThrow(/2 means but 1 stds/);
    expect(() => parseScaler({ means: [1], stds: [0] })).toThrow();
  });

  it('rejects empty, ragged and mismatched input', () => {
    expect(() => fitScaler([])).toThrow(/empty matrix/);
    expect(() => fitScaler([[1, 2], [3]])).toThrow(/row 1 has 1 columns, expected 2/);
    expect(() => applyScaler([[1]], fitScaler(matrix))).toThrow(/row 0 has 1 columns, the scaler has 3/);
  });

  it('works end to end on feature rows', () => {
    const rows = [row(), row({ customer_id: 'c2', frequency: 0, recency_days: null, monetary: 0, avg_order_value: null })];
    const raw = toMatrix(rows);
    const scaled = applyScaler(raw, fitScaler(raw, FEATURE_NAMES));
    expect(scaled.flat().every(Number.isFinite)).toBe(true);
  });
});
