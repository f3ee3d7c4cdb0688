// Issue 10: three runs with the same input started at once on a fresh store.
// Run B plans to reuse run A's load; run C, which computed load too, then
// replaces the checkpoint, and A's publish prunes staging no checkpoint names.
// B must still take A's load: its plan keeps a copy of the checkpoint
// (planned_reuses), and A's staging stays while B runs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../support/store.ts';
import type { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { ensureWarehouseSchema, runSchema } from '../../activities/warehouse/schema.ts';
import { createCheckpointActivities, pinPlannedReuses } from '../../activities/checkpoints.ts';
import { CHECKPOINT_FORMAT } from '../../activities/checkpoints-fingerprint.ts';
import { pruneStaging } from '../../activities/retention.ts';
import type { ActivityDeps } from '../../activities/deps.ts';

const FP = 'fingerprint-of-the-same-input';
const LOAD_RESULT = { tables: { customers: { read: 3, loaded: 2, rejected: 1, afterAsOf: 0 } } };

describe('a planned reuse survives a concurrent run', () => {
  let warehouse: Warehouse;

  beforeEach(async () => {
    warehouse = await openTestStore();
    await warehouse.withSession(async (s) => {
      await ensureWarehouseSchema(s);
      for (const run of ['run-a', 'run-b', 'run-c']) {
        await s.run(
          `INSERT INTO runs (run_id, workflow_id, as_of, source, status, stage, started_at) VALUES ($1, $1, now(), '/x', 'running', 'load', now())`,
          [run],
        );
      }
      for (const run of ['run-a', 'run-c']) {
        await s.run(`CREATE SCHEMA ${runSchema(run)}`);
        await s.run(`CREATE TABLE ${runSchema(run)}.customers AS SELECT $1 AS loaded_by, range AS n FROM range(2)`, [run]);
      }
      await s.run(`INSERT INTO rejected_rows VALUES ('run-a', 'customers', 3, 'C3', '{}', 'bad signup_at')`);
    });
  });
  afterEach(() => warehouse.close());

  const recordLoad = (run: string) =>
    warehouse.withSession(async (s) => {
      await s.run(`DELETE FROM checkpoints WHERE fingerprint = $1 AND stage = 'load'`, [FP]);
      await s.run(
        `INSERT INTO checkpoints VALUES ($1, 'load', $2, $3, json_object('schema', $4, 'tables', ['customers']), $5::JSON, '{}', now())`,
        [FP, CHECKPOINT_FORMAT, run, runSchema(run), JSON.stringify(LOAD_RESULT)],
      );
    });

  it('takes A\'s load after C replaced the checkpoint and A, published, pruned staging', async () => {
    await recordLoad('run-a');
    await warehouse.withSession((s) => pinPlannedReuses(s, 'run-b', FP, { load: { fromRun: 'run-a' } }));
    await recordLoad('run-c'); // C computed load too: its checkpoint replaces A's
    await warehouse.withSession(async (s) => {
      await s.run(`UPDATE runs SET status = 'published' WHERE run_id = 'run-a'`);
      await pruneStaging(s, 1); // what A's publish does
    });

    const { reuseCheckpoint } = createCheckpointActivities({ warehouse } as ActivityDeps);
    const result = await reuseCheckpoint({ runId: 'run-b', stage: 'load', fromRun: 'run-a', fingerprint: FP });
    expect(result).toEqual(LOAD_RESULT);
    const copied = await warehouse.withSession((s) => s.all(`SELECT DISTINCT loaded_by FROM ${runSchema('run-b')}.customers`));
    expect(copied).toEqual([{ loaded_by: 'run-a' }]);
    const rejects = await warehouse.withSession((s) => s.all(`SELECT row_key FROM rejected_rows WHERE run_id = 'run-b'`));
    expect(rejects).toEqual([{ row_key: 'C3' }]);
  });

  it('without a plan of its own, a replaced checkpoint is gone, as the error says', async () => {
    await recordLoad('run-a');
    await recordLoad('run-c');
    const { reuseCheckpoint } = createCheckpointActivities({ warehouse } as ActivityDeps);
    await expect(reuseCheckpoint({ runId: 'run-b', stage: 'load', fromRun: 'run-a', fingerprint: FP })).rejects.toThrow(/is gone/);
  });
});
