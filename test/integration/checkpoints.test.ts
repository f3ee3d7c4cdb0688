// Stage checkpoints: a second run with the same as-of and inputs reuses the
// completed stages (and says so); --force redoes them; staging is pruned.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { queryOutputs } from '../../client/outputs-reader.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { runSchema } from '../../activities/warehouse/schema.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';

describe('stage checkpoints', () => {
  let h: Harness;

  beforeAll(async () => {
    // The default extractor (embedded e5 + heads) through a real workflow, its cache making reruns free.
    h = await createHarness('checkpoints', inject('temporalAddress'), { env: { PERSONAFLOW_LLM_PROVIDER: 'embedded' } });
    await h.startWorker();
  });

  afterAll(async () => {
    await h?.close();
  });

  const run = (name: string, extra: Record<string, unknown> = {}) =>
    h.client.workflow.execute(profileRun, {
      taskQueue: h.taskQueue,
      workflowId: `checkpoints-${name}-${Date.now()}`,
      args: [{ source: h.source, asOf: SAMPLE_AS_OF, ...extra }],
    }) as Promise<ProfileRunResult>;

  it('reuses load, features and train for the same inputs, redoes them with force, and keeps one staging', async () => {
    const first = await run('first');
    expect(first.reusedStages).toEqual([]);

    const second = await run('second');
    expect(second.reusedStages).toEqual(['load', 'features', 'train']);
    expect(second.version).toBe(first.version + 1); // every run publishes its own version
    expect(second.tables).toEqual(first.tables);
    expect(second.modelVersion).toBe(first.modelVersion);
    expect(second.segments.map((s) => s.size)).toEqual(first.segments.map((s) => s.size));
    expect(second.customers).toBe(first.customers);

    const forced = await run('forced', { force: true });
    expect(forced.reusedStages).toEqual([]);
    // A different as-of is a different fingerprint: nothing to reuse.
    const otherDay = await run('other-day', { asOf: '2026-10-15T00:00:00.000Z' });
    expect(otherDay.reusedStages).toEqual([]);

    const stages = await queryOutputs(
      h.config.lake,
      `SELECT r.run_id, string_agg(s.stage || ':' || s.status, ' ' ORDER BY s.stage) AS stages
       FROM runs r JOIN run_stages s USING (run_id) GROUP BY 1`,
    );
    const byRun = Object.fromEntries(stages.map((r) => [r.run_id, r.stages]));
    expect(byRun[second.runId]).toBe('extract:done features:reused load:reused publish:done train:reused');
    expect(byRun[forced.runId]).toBe('extract:done features:done load:done publish:done train:done');
    // The reused load still accounts for its rejected rows.
    const rejected = await queryOutputs(
      h.config.lake,
      `SELECT run_id, count(*) AS n FROM rejected_rows GROUP BY 1`,
    );
    const rejectedBy = Object.fromEntries(rejected.map((r) => [r.run_id, r.n]));
    expect(rejectedBy[second.runId]).toBe(rejectedBy[first.runId]);
    expect(rejectedBy[first.runId]).toBeGreaterThan(0);
    const checkpoints = await queryOutputs(
      h.config.lake,
      `SELECT stage, run_id FROM checkpoints WHERE outputs->>'schema' = '${runSchema(forced.runId)}' ORDER BY stage`,
    );
    expect(checkpoints.map((c) => c.stage)).toEqual(['extract', 'features', 'load', 'publish', 'train']);

    // Only the staging that checkpoints point at is left: the forced run's and the other day's.
    await h.stopWorker();
    const warehouse = await Warehouse.openLake(h.config.lake);
    try {
      const schemas = await warehouse.withSession((s) =>
        s.all<{ name: string }>(
          `SELECT database_name || '.' || schema_name AS name FROM duckdb_schemas()
           WHERE database_name = 'work' AND schema_name LIKE 'run\\_%' ESCAPE '\\' ORDER BY 1`,
        ),
      );
      expect(schemas.map((s) => s.name)).toEqual([runSchema(forced.runId), runSchema(otherDay.runId)].sort());
    } finally {
      warehouse.close();
    }
  });
});
