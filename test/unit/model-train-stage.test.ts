// The train and publish stages on generated data, twice, without a Temporal
// server (MockActivityEnvironment): stable segment ids, the ARI between
// versions, the new profile fields, the drift report and assignment by a
// stored model version.
import { embeddedLake } from '../../activities/warehouse/lake.ts';
import { openTestStore } from '../support/store.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { generateSampleData } from '../../scripts/sample-data/generate.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { loadSources } from '../../activities/warehouse/load-sources.ts';
import { extractReviews } from '../../activities/llm/extract-reviews.ts';
import { OfflineExtractor } from '../../activities/llm/offline-extractor.ts';
import { createBuildFeatures } from '../../activities/features.ts';
import { createTrainSegments, type TrainResult } from '../../activities/train.ts';
import { createPublishVersion } from '../../activities/publish.ts';
import type { ActivityDeps } from '../../activities/deps.ts';
import { withOutputsSession } from '../../client/outputs-reader.ts';
import { driftReport } from '../../client/drift-report.ts';
import { assignCustomers } from '../../client/assign-customers.ts';

const AS_OF = '2026-11-01T00:00:00.000Z';

describe('train stage across two versions', () => {
  let dir: string;
  let warehouse: Warehouse;
  let deps: ActivityDeps;
  const trained: TrainResult[] = [];

  async function runOnce(runId: string): Promise<TrainResult> {
    const schema = runSchema(runId);
    await warehouse.withSession((s) =>
      loadSources(s, { runId, schema, sourceDir: join(dir, 'sample'), asOf: new Date(AS_OF), maxRejectShare: 0.05 }),
    );
    await extractReviews({ warehouse, extractor: deps.extractor, batchSize: 50, concurrency: 1 }, { runId, schema });
    await createBuildFeatures(deps)({ runId, asOf: AS_OF });
    const model: TrainResult = await new MockActivityEnvironment().run(createTrainSegments(deps), { runId });
    await createPublishVersion(deps)({ runId, workflowId: `wf-${runId}`, asOf: AS_OF, modelVersion: model.modelVersion, metrics: {} });
    return model;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'personaflow-train-'));
    await generateSampleData({ outDir: join(dir, 'sample'), scale: 400, asOf: new Date(AS_OF), dirty: false });
    warehouse = await openTestStore(dir);
    await warehouse.withSession(ensureWarehouseSchema);
    deps = {
      warehouse,
      extractor: new OfflineExtractor(),
      llm: { batchSize: 50, concurrency: 1 },
      maxRejectShare: 0.05,
      extractTaskQueue: 'personaflow-extract',
    };
    trained.push(await runOnce('run-a'));
    trained.push(await runOnce('run-b'));
  });

  afterAll(() => {
    warehouse?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores the classifier on a held-out split and keeps segment ids on a retrain of the same data', () => {
    const [first, second] = trained;
    expect(first!.heldOutMacroF1).toBeGreaterThan(0.9);
    expect(first!.modelVersion).toMatch(/^model-[0-9a-f]{16}$/); // derived from the run's staging schema name
    expect(first!.previousModelVersion).toBeUndefined();
    expect(first!.newSegments).toHaveLength(first!.k);
    expect(second!.previousModelVersion).toBe(first!.modelVersion);
    expect(second!.ariVsPrevious).toBe(1);
    expect(second!.newSegments).toEqual([]);
    expect(second!.vanishedSegments).toEqual([]);
  });

  it('says where its time went: wall seconds of each step, in order', () => {
    const steps = trained[1]!.stepSeconds!;
    expect(Object.keys(steps)).toEqual([
      'read features',
      'segment',
      'match previous version',
      'fit customer value',
      'score customer value',
      'labels, reasons and cards',
      'write',
    ]);
    for (const seconds of Object.values(steps)) expect(seconds).toBeGreaterThanOrEqual(0);
    expect(steps.segment).toBeGreaterThan(0); // k-means over k = 2..8 is never free
  });

  it('publishes recommended categories the customer has not bought, risk flags and RFM scores', async () => {
    const rows = await withOutputsSession(embeddedLake(dir), (s) =>
      s.all<{ bad: number; with_recs: number; flagged: number; scored: number; n: number }>(
        `SELECT count(*) FILTER (WHERE list_has_any(recommended_categories, top_categories)) AS bad,
                count(*) FILTER (WHERE len(recommended_categories) > 0) AS with_recs,
                count(*) FILTER (WHERE len(risk_flags) > 0) AS flagged,
                count(*) FILTER (WHERE r_score BETWEEN 1 AND 5 OR (r_score = 0 AND frequency = 0)) AS scored,
                count(*) AS n
         FROM current_profiles`,
      ),
    );
    const summary = rows[0]!;
    expect(summary.bad).toBe(0);
    expect(summary.with_recs).toBeGreaterThan(summary.n / 2);
    expect(summary.flagged).toBeGreaterThan(0);
    expect(summary.scored).toBe(summary.n);
  });

  it('publishes BG/NBD + Gamma-Gamma values, segment reasons and how k was chosen', async () => {
    await withOutputsSession(embeddedLake(dir), async (s) => {
      const rows = await s.all<{ frequency: number; p_alive: number | null; expected_orders: number | null; predicted_clv: number | null; segment_reasons: string[]; churn_risk: string; value_tier: string }>(
        'SELECT frequency, p_alive, expected_orders, predicted_clv, segment_reasons, churn_risk, value_tier FROM current_profiles',
      );
      for (const r of rows) {
        if (r.frequency > 0) {
          expect(r.p_alive).toBeGreaterThan(0);
          expect(r.p_alive).toBeLessThanOrEqual(1);
          expect(r.expected_orders).toBeGreaterThanOrEqual(0);
          expect(r.predicted_clv).toBeGreaterThanOrEqual(0);
        } else {
          expect([r.p_alive, r.expected_orders, r.predicted_clv]).toEqual([null, null, null]);
          expect(r.value_tier).toBe('low');
        }
        expect(r.segment_reasons.length).toBeGreaterThanOrEqual(2);
        expect(r.segment_reasons.length).toBeLessThanOrEqual(3);
      }
      // Higher predicted value, higher tier: every high-tier buyer out-values every low-tier buyer.
      const buyers = rows.filter((r) => r.frequency > 0);
      const maxLow = Math.max(...buyers.filter((r) => r.value_tier === 'low').map((r) => r.predicted_clv!));
      const minHigh = Math.min(...buyers.filter((r) => r.value_tier === 'high').map((r) => r.predicted_clv!));
      expect(minHigh).toBeGreaterThan(maxLow);
      const segments = await s.all<{ name: string; segment_reasons: string[] }>('SELECT name, segment_reasons FROM segments WHERE version = 2');
      expect(new Set(segments.map((x) => x.name)).size).toBe(segments.length);
      for (const x of segments) expect(x.segment_reasons.length).toBeGreaterThanOrEqual(2);
      const model = await s.one<{ metrics: string }>('SELECT metrics::VARCHAR AS metrics FROM model_versions WHERE model_version = $1', [trained[1]!.modelVersion]);
      const metrics = JSON.parse(model!.metrics);
      expect(metrics.kChoice.method).toBe('bootstrap-stability+one-se-silhouette');
      expect(metrics.kChoice.reason).toMatch(/k = \d/);
      expect(metrics.customerValue).toMatchObject({ kind: 'mbgnbd+gamma-gamma', horizonDays: 180, timeUnit: 'day' });
    });
    expect(trained[1]!.kChoice.k).toBe(trained[1]!.k);
    await expect(new MockActivityEnvironment().run(createTrainSegments(deps), { runId: 'run-b', clvHorizonDays: 0 })).rejects.toThrow(
      /clvHorizonDays must be a positive number of days, got 0/,
    );
  });

  it('reports no drift between the two versions and assigns customers with the stored model', async () => {
    await withOutputsSession(embeddedLake(dir), async (s) => {
      const report = await driftReport(s, 1, 2);
      expect(report.movedCustomers).toBe(0);
      expect(report.ari).toBe(1);
      expect(report.sizes.every((r) => r.change === 0)).toBe(true);
      expect(report.meanChanges).toEqual([]);

      const published = await s.all<{ customer_id: string; segment_id: number }>(
        'SELECT customer_id, segment_id FROM current_profiles ORDER BY customer_id LIMIT 25',
      );
      const assigned = await assignCustomers(s, trained[1]!.modelVersion, { customers: published.map((r) => r.customer_id) });
      expect(assigned.map((a) => [a.customer_id, a.segment_id])).toEqual(published.map((r) => [r.customer_id, r.segment_id]));
      expect(assigned.every((a) => a.segment_name !== null)).toBe(true);
      await expect(driftReport(s, 1, 9)).rejects.toThrow(/version 9 is not published/);

      // A reader cannot write files...
      const file = join(dir, 'features.parquet');
      const copy = `COPY (SELECT * EXCLUDE (segment_id) FROM current_profiles ORDER BY customer_id LIMIT 25) TO '${file}' (FORMAT parquet)`;
      await expect(s.run(copy)).rejects.toThrow(/disabled by configuration/);
      // ...so the feature file a data team hands in is written elsewhere.
      await deps.warehouse.withSession((w) => w.run(copy));
    });
    // The same customers from that file get the same segments (the reader may read just that file).
    await withOutputsSession(
      embeddedLake(dir),
      async (s) => {
        const published = await s.all<{ customer_id: string; segment_id: number }>(
          'SELECT customer_id, segment_id FROM current_profiles ORDER BY customer_id LIMIT 25',
        );
        const fromFile = await assignCustomers(s, trained[1]!.modelVersion, { file: join(dir, 'features.parquet') });
        expect(fromFile.map((a) => [a.customer_id, a.segment_id])).toEqual(published.map((r) => [r.customer_id, r.segment_id]));
        await expect(assignCustomers(s, trained[1]!.modelVersion, { file: join(dir, 'nope.csv') })).rejects.toThrow(/no such file/);
      },
      { readablePaths: [join(dir, 'features.parquet'), join(dir, 'nope.csv')] },
    );
  });
});
