import { describe, expect, it } from 'vitest';
import type { FeatureRow } from '../../activities/model/feature-row.ts';
import { FEATURE_SPEC, FEATURE_SPEC_VERSION, fitFills } from '../../activities/model/feature-spec.ts';
import { applyModel, MODEL_ARTIFACT_VERSION, parseModelArtifact, type ModelArtifact } from '../../activities/model/model-artifact.ts';
import { applyScaler, fitScaler, toMatrix } from '../../activities/model/scaler.ts';
import { trainSegmentation } from '../../activities/model/segmentation.ts';
import { riskFlags } from '../../activities/model/risk-flags.ts';

function row(id: string, spend: number, orders: number): FeatureRow {
  return {
    customer_id: id,
    recency_days: orders > 0 ? 10 : null,
    frequency: orders,
    monetary: spend,
    avg_order_value: orders > 0 ? spend / orders : null,
    discount_share: 0,
    refund_rate: 0,
    price_sensitivity: 0,
    browse_minutes_per_month: 10,
    sessions_per_month: 1,
    cart_abandon_rate: 0,
    tenure_days: 300,
    review_count: 0,
    mean_sentiment: null,
    negative_review_share: null,
    high_intent_share: null,
    top_categories: [],
  };
}

describe('fitFills', () => {
  it("fills a never-ordered customer's basket with the buyers' median, not 0", () => {
    const rows = [row('a', 10, 1), row('b', 60, 2), row('c', 300, 3), row('d', 0, 0)];
    expect(fitFills(rows)).toEqual({ avg_order_value: 30 });
    const column = FEATURE_SPEC.findIndex((e) => e.name === 'avg_order_value');
    expect(toMatrix(rows)[3]![column]).toBeCloseTo(Math.log1p(30), 12);
  });
});

describe('model artifact', () => {
  const rows = [...Array.from({ length: 30 }, (_, i) => row(`s${i}`, 20 + i, 1)), ...Array.from({ length: 30 }, (_, i) => row(`b${i}`, 5000 + i * 10, 40))];
  const fills = fitFills(rows);
  const raw = toMatrix(rows, FEATURE_SPEC, fills);
  const scaler = fitScaler(raw);
  const result = trainSegmentation(applyScaler(raw, scaler), { k: 2 });
  const artifact: ModelArtifact = {
    artifactVersion: MODEL_ARTIFACT_VERSION,
    featureSpecVersion: FEATURE_SPEC_VERSION,
    features: [...FEATURE_SPEC],
    fills,
    scaler,
    centroids: result.centroids,
    segmentIds: [7, 3],
    nextSegmentId: 8,
    classifier: { kind: 'nearest-centroid', heldOut: { accuracy: 1, macroF1: 1, trainSize: 48, testSize: 12 } },
  };

  it('round-trips through JSON and assigns stable ids without re-clustering', () => {
    const parsed = parseModelArtifact(JSON.stringify(artifact));
    const expected = result.assignments.map((c) => artifact.segmentIds[c]);
    expect(applyModel(parsed, rows)).toEqual(expected);
    // One new customer alone is placed by the stored fills and scaler, not by its own statistics.
    expect(applyModel(parsed, [row('new', 7000, 50)])).toEqual([expected[59]]);
  });

  it('rejects artifacts that do not fit together', () => {
    expect(() => parseModelArtifact({ ...artifact, segmentIds: [1] })).toThrow(/1 segment ids for 2 centroids/);
    expect(() => parseModelArtifact({ ...artifact, artifactVersion: 'x' })).toThrow(/artifactVersion/);
    expect(() => parseModelArtifact({ ...artifact, centroids: [[1, 2]], segmentIds: [0] })).toThrow(/2 values for 15 features/);
  });
});

describe('riskFlags', () => {
  it('flags refunders with negative reviews, complainers, valuable churners and cart abandoners', () => {
    const base = { ...row('x', 100, 4), review_count: 3, refund_rate: 0.3, negative_review_share: 0.67 };
    expect(riskFlags(base, 'medium', 'low')).toEqual(['refunds_and_negative_reviews']);
    expect(riskFlags({ ...base, review_count: 1 }, 'medium', 'low')).toEqual([]);
    expect(riskFlags({ ...base, refund_rate: 0, quality_complaint_share: 0.5 }, 'high', 'high')).toEqual([
      'repeated_complaints',
      'high_value_churn_risk',
    ]);
    expect(riskFlags({ ...row('y', 0, 0), cart_abandon_rate: 0.9 }, 'low', 'high')).toEqual(['cart_abandoner']);
  });
});
