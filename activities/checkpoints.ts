import type { ActivityDeps } from './deps.ts';
import type { Session } from './warehouse/warehouse.ts';
import { runSchema } from './warehouse/schema.ts';
import { ident, qualified } from './warehouse/sql-quote.ts';
import { CHECKPOINT_FORMAT } from './checkpoints-fingerprint.ts';
import { reuseLoad } from './checkpoints-reuse.ts';
import type { LoadResult } from './load.ts';
import type { FeaturesResult } from './features.ts';
import type { TrainResult } from './train.ts';
import type { ExtractResult } from './extract.ts';
import type { PublishResult } from './publish.ts';

/**
 * Stage checkpoints. When a stage completes, the workflow records its
 * checkpoint: the run's inputs fingerprint, the staging schema holding the
 * stage's outputs and its result. A later run with the same fingerprint (same
 * as-of, files and settings) and without `force` learns from its plan
 * (run-plan.ts) which stages it may take from such a checkpoint, and its
 * workflow then reuses (copies the outputs into its own staging, returns the
 * recorded result) or computes each stage, visibly in its history.
 */

export type CheckpointStage = 'load' | 'extract' | 'features' | 'train' | 'publish';
export type ReusableStage = 'load' | 'features' | 'train';
const ORDER: CheckpointStage[] = ['load', 'extract', 'features', 'train', 'publish'];
const REUSABLE: ReusableStage[] = ['load', 'features', 'train'];

export interface StageResults {
  load: LoadResult;
  extract: ExtractResult;
  features: FeaturesResult;
  train: TrainResult;
  publish: PublishResult;
}

export interface ReuseContext {
  runId: string;
  /** The run whose checkpoint is reused. */
  sourceRun: string;
}

/**
 * The reusable stages with a checkpoint for this fingerprint whose staging
 * still exists, in pipeline order and without gaps (a stage is reusable only
 * when every reusable stage before it is). This run's own checkpoints count
 * too: a stage that finished but whose completion was lost is not redone.
 */
export async function reusableCheckpoints(
  s: Session,
  fingerprint: string,
  runId: string,
): Promise<Partial<Record<ReusableStage, { fromRun: string }>>> {
  const rows = await s.all<{ stage: ReusableStage; run_id: string; schema: string }>(
    `SELECT stage, run_id, outputs->>'schema' AS schema FROM checkpoints
     WHERE fingerprint = $1 AND format_version = $2
     QUALIFY row_number() OVER (PARTITION BY stage ORDER BY (run_id = $3) DESC, created_at DESC) = 1`,
    [fingerprint, CHECKPOINT_FORMAT, runId],
  );
  const byStage = new Map(rows.map((r) => [r.stage, r]));
  const plan: Partial<Record<ReusableStage, { fromRun: string }>> = {};
  for (const stage of REUSABLE) {
    const row = byStage.get(stage);
    if (!row || !(await schemaExists(s, row.schema))) break;
    plan[stage] = { fromRun: row.run_id };
  }
  return plan;
}

/**
 * Copies the checkpoints a plan reuses into planned_reuses, so this run finds
 * them even when a concurrent run with the same inputs replaces a checkpoint
 * (it computed the same stage) or publishes and prunes staging before this
 * run takes it: pruneStaging keeps the staging a running run's plan names.
 * Replaces an earlier attempt's copies (startRun is retried as a whole).
 */
export async function pinPlannedReuses(
  s: Session,
  runId: string,
  fingerprint: string,
  plan: Partial<Record<ReusableStage, { fromRun: string }>>,
): Promise<void> {
  const planned = Object.entries(plan).map(([stage, p]) => ({ stage, fromRun: p!.fromRun }));
  await s.transaction(async (tx) => {
    await tx.run('DELETE FROM planned_reuses WHERE run_id = $1', [runId]);
    for (const { stage, fromRun } of planned) {
      await tx.run(
        `INSERT INTO planned_reuses
         SELECT $run_id, stage, run_id, outputs->>'schema', result FROM checkpoints
         WHERE fingerprint = $fp AND stage = $stage AND run_id = $from_run AND format_version = $format`,
        { run_id: runId, fp: fingerprint, stage, from_run: fromRun, format: CHECKPOINT_FORMAT },
      );
    }
  });
}

export interface ReuseInput<S extends ReusableStage> {
  runId: string;
  stage: S;
  fromRun: string;
  fingerprint: string;
}

export interface RecordInput<S extends CheckpointStage> {
  runId: string;
  stage: S;
  fingerprint: string;
  result: StageResults[S];
  /** True when the stage produced nothing new (extraction answered every review from its cache), so later checkpoints still follow. */
  unchanged?: boolean;
}

export function createCheckpointActivities(deps: ActivityDeps) {
  /** Takes a stage from an earlier run's checkpoint: its staging copied into this run's, its recorded result returned. */
  async function reuseCheckpoint<S extends ReusableStage>(input: ReuseInput<S>): Promise<StageResults[S]> {
    return deps.warehouse.withSession(async (s) => {
        // The plan's own copy first (a concurrent run may have replaced the checkpoint since); runs planned before copies were made find the checkpoint itself.
        const checkpoint =
          (await s.one<{ run_id: string; schema: string; result: string }>(
            `SELECT from_run AS run_id, schema, result::VARCHAR AS result
             FROM planned_reuses WHERE run_id = $1 AND stage = $2 AND from_run = $3`,
            [input.runId, input.stage, input.fromRun],
          )) ??
          (await s.one<{ run_id: string; schema: string; result: string }>(
            `SELECT run_id, outputs->>'schema' AS schema, result::VARCHAR AS result
             FROM checkpoints WHERE fingerprint = $1 AND stage = $2 AND run_id = $3 AND format_version = $4`,
            [input.fingerprint, input.stage, input.fromRun, CHECKPOINT_FORMAT],
          ));
        if (!checkpoint || !(checkpoint.run_id === input.runId || (await schemaExists(s, checkpoint.schema)))) {
          throw new Error(`the checkpoint of stage ${input.stage} from run ${input.fromRun} is gone (retention pruned it); rerun with force`);
        }
        const recorded = JSON.parse(checkpoint.result) as StageResults[S];
        if (checkpoint.run_id === input.runId) return recorded; // this run's own: outputs already in place
        // Staging (work lake) and the run's records (readers' lake) are two transactions: one lake each.
        await s.transaction((tx) => copyStaging(tx, checkpoint.schema, input.runId));
        return s.transaction(async (tx) => {
          const ctx = { runId: input.runId, sourceRun: checkpoint.run_id };
          const out = input.stage === 'load' ? ((await reuseLoad(tx, ctx, recorded as LoadResult)) as StageResults[S]) : recorded;
          await tx.run('DELETE FROM run_stages WHERE run_id = $1 AND stage = $2', [input.runId, input.stage]);
          await tx.run(`INSERT INTO run_stages VALUES ($1, $2, 'reused', $3, now())`, [input.runId, input.stage, checkpoint.run_id]);
          await tx.run(`UPDATE runs SET stage = $1 WHERE run_id = $2`, [input.stage, input.runId]);
          return out;
        });
      });
  }

  /** Records a stage this run computed, so a later run with the same inputs may reuse it. */
  async function recordCheckpoint<S extends CheckpointStage>(input: RecordInput<S>): Promise<void> {
    return deps.warehouse.withSession((s) => record(s, input));
  }

  return { reuseCheckpoint, recordCheckpoint };
}

/** Copies a checkpoint's staging tables into this run's schema; the later stages then find their inputs where they always do. */
async function copyStaging(s: Session, sourceSchema: string, runId: string): Promise<void> {
  const target = runSchema(runId);
  await s.run(`CREATE SCHEMA IF NOT EXISTS ${qualified(target)}`);
  for (const table of await tablesOf(s, sourceSchema)) {
    await s.run(`CREATE OR REPLACE TABLE ${qualified(target)}.${ident(table)} AS SELECT * FROM ${qualified(sourceSchema)}.${ident(table)}`);
  }
}

async function record<S extends CheckpointStage>(s: Session, input: RecordInput<S>): Promise<void> {
  const schema = runSchema(input.runId);
  const outputs = { schema, tables: await tablesOf(s, schema) };
  const metrics = Object.fromEntries(
    Object.entries((input.result ?? {}) as unknown as Record<string, unknown>).filter(([, v]) => typeof v === 'number'),
  );
  await s.transaction(async (tx) => {
    await tx.run('DELETE FROM checkpoints WHERE fingerprint = $1 AND stage = $2', [input.fingerprint, input.stage]);
    await tx.run(`INSERT INTO checkpoints VALUES ($fp, $stage, $format, $run_id, $outputs::JSON, $result::JSON, $metrics::JSON, now())`, {
      fp: input.fingerprint,
      stage: input.stage,
      format: CHECKPOINT_FORMAT,
      run_id: input.runId,
      outputs: JSON.stringify(outputs),
      result: JSON.stringify(input.result ?? null),
      metrics: JSON.stringify(metrics),
    });
    // A redone stage may differ from before (an LLM answers differently), so
    // the later stages' checkpoints no longer follow from it.
    const later = input.unchanged ? [] : ORDER.slice(ORDER.indexOf(input.stage) + 1);
    if (later.length > 0) {
      await tx.run(
        `DELETE FROM checkpoints WHERE fingerprint = $fp AND run_id <> $run_id AND list_contains($later::VARCHAR[], stage)`,
        { fp: input.fingerprint, run_id: input.runId, later: JSON.stringify(later) },
      );
    }
    await tx.run('DELETE FROM run_stages WHERE run_id = $1 AND stage = $2', [input.runId, input.stage]);
    await tx.run(`INSERT INTO run_stages VALUES ($1, $2, 'done', NULL, now())`, [input.runId, input.stage]);
  });
}

async function tablesOf(s: Session, schema: string): Promise<string[]> {
  const rows = await s.all<{ name: string }>(
    `SELECT table_name AS name FROM duckdb_tables() WHERE (database_name || '.' || schema_name) = $1 ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.name);
}

async function schemaExists(s: Session, schema: string): Promise<boolean> {
  const row = await s.one(`SELECT 1 FROM duckdb_schemas() WHERE (database_name || '.' || schema_name) = $1`, [schema]);
  return row !== undefined;
}
