import { openTestStore } from '../support/store.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { pruneStaging, pruneVersions } from '../../activities/retention.ts';
import { pinPlannedReuses } from '../../activities/checkpoints.ts';
import { CHECKPOINT_FORMAT } from '../../activities/checkpoints-fingerprint.ts';

describe('retention', () => {
  let warehouse: Warehouse;

  beforeEach(async () => {
    warehouse = await openTestStore();
    await warehouse.withSession(ensureWarehouseSchema);
  });
  afterEach(() => warehouse.close());

  async function publish(version: number): Promise<void> {
    await warehouse.withSession(async (s) => {
      await s.run(
        `INSERT INTO profile_version_rows VALUES ($v, 'run-' || $v, 'wf', now(), now(), 'm', 1, 1, '{}')`,
        { v: version },
      );
      await s.run(
        `INSERT INTO profiles (version, customer_id, as_of, model_version, segment_id, segment_name, frequency, monetary,
           discount_share, refund_rate, price_sensitivity, browse_minutes_per_month, sessions_per_month, cart_abandon_rate,
           tenure_days, top_categories, review_count, top_topics, value_tier, churn_risk)
         VALUES ($v, 'C1', now(), 'm', 0, 'seg', 1, 1, 0, 0, 0, 0, 0, 0, 0, [], 0, [], 'low', 'low')`,
        { v: version },
      );
      await s.run(`INSERT INTO segments VALUES ($v, 0, 'seg', 'd', 1, '{}', [], [])`, { v: version });
    });
  }
  const kept = () =>
    warehouse.withSession(async (s) => (await s.all<{ v: number }>('SELECT DISTINCT version AS v FROM profiles ORDER BY 1')).map((r) => r.v));

  it('keeps the newest N and the pinned versions, and the whole profile_versions history', async () => {
    for (const v of [1, 2, 3, 4, 5]) await publish(v);
    await warehouse.withSession((s) => s.run('INSERT INTO pinned_versions VALUES (2, now())'));
    const removed = await warehouse.withSession((s) => pruneVersions(s, 2));
    expect(removed).toEqual([1, 3]);
    expect(await kept()).toEqual([2, 4, 5]);
    const segments = await warehouse.withSession((s) => s.all('SELECT DISTINCT version FROM segments ORDER BY 1'));
    expect(segments).toEqual([{ version: 2 }, { version: 4 }, { version: 5 }]);
    const history = await warehouse.withSession((s) => s.one<{ n: number }>('SELECT count(*) AS n FROM profile_versions'));
    expect(history?.n).toBe(5);
    expect(await warehouse.withSession((s) => pruneVersions(s, 2))).toEqual([]); // nothing more to do
  });

  it('never removes the current version, even with keep 1', async () => {
    for (const v of [1, 2]) await publish(v);
    await warehouse.withSession((s) => pruneVersions(s, 1));
    expect(await kept()).toEqual([2]);
    await expect(warehouse.withSession((s) => pruneVersions(s, 0))).rejects.toThrow('keep must be a positive integer');
  });

  it('drops staging that no recent checkpoint and no running run needs, with its checkpoints', async () => {
    const schemas = { old: runSchema('old'), recent: runSchema('recent'), running: runSchema('running'), orphan: runSchema('orphan') };
    await warehouse.withSession(async (s) => {
      for (const name of Object.values(schemas)) await s.run(`CREATE SCHEMA ${name}`);
      await s.run(
        `INSERT INTO runs (run_id, workflow_id, as_of, source, status, stage, started_at) VALUES ('running', 'wf', now(), '/x', 'running', 'load', now())`,
      );
      const checkpoint = `INSERT INTO checkpoints VALUES ($fp, 'load', 1, $run, json_object('schema', $schema), '{}', '{}', $at::TIMESTAMPTZ)`;
      await s.run(checkpoint, { fp: 'fp-old', run: 'old', schema: schemas.old, at: '2026-01-01T00:00:00Z' });
      await s.run(checkpoint, { fp: 'fp-recent', run: 'recent', schema: schemas.recent, at: '2026-02-01T00:00:00Z' });
    });
    const dropped = await warehouse.withSession((s) => pruneStaging(s, 1));
    expect(dropped.sort()).toEqual([schemas.old, schemas.orphan].sort());
    const left = await warehouse.withSession((s) => s.all('SELECT fingerprint FROM checkpoints'));
    expect(left).toEqual([{ fingerprint: 'fp-recent' }]);
  });

  it('keeps staging that a running run plans to reuse after a concurrent run replaced its checkpoint, until that run ends', async () => {
    const schemas = { a: runSchema('run-a'), c: runSchema('run-c') };
    const checkpoint = `INSERT INTO checkpoints VALUES ('fp', 'load', ${CHECKPOINT_FORMAT}, $run, json_object('schema', $schema), '{"tables": {}}', '{}', now())`;
    await warehouse.withSession(async (s) => {
      for (const name of Object.values(schemas)) await s.run(`CREATE SCHEMA ${name}`);
      await s.run(
        `INSERT INTO runs (run_id, workflow_id, as_of, source, status, stage, started_at) VALUES ('run-b', 'wf', now(), '/x', 'running', 'load', now())`,
      );
      // B plans to reuse A's load; then C, which computed load too, replaces the checkpoint.
      await s.run(checkpoint, { run: 'run-a', schema: schemas.a });
      await pinPlannedReuses(s, 'run-b', 'fp', { load: { fromRun: 'run-a' } });
      await s.run(`DELETE FROM checkpoints WHERE run_id = 'run-a'`);
      await s.run(checkpoint, { run: 'run-c', schema: schemas.c });
    });
    expect(await warehouse.withSession((s) => pruneStaging(s, 1))).toEqual([]);
    const planned = await warehouse.withSession((s) => s.all(`SELECT run_id, stage, from_run, schema FROM planned_reuses`));
    expect(planned).toEqual([{ run_id: 'run-b', stage: 'load', from_run: 'run-a', schema: schemas.a }]);

    await warehouse.withSession((s) => s.run(`UPDATE runs SET status = 'published' WHERE run_id = 'run-b'`));
    expect(await warehouse.withSession((s) => pruneStaging(s, 1))).toEqual([schemas.a]);
    expect(await warehouse.withSession((s) => s.all('SELECT * FROM planned_reuses'))).toEqual([]);
  });
});
