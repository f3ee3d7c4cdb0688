import type { ActivityDeps } from './deps.ts';
import type { Session } from './warehouse/warehouse.ts';
import { runSchema } from './warehouse/schema.ts';
import { ident, qualified } from './warehouse/sql-quote.ts';
import { CHECKPOINT_FORMAT } from './checkpoints-fingerprint.ts';

/**
 * Stage checkpoints. When a stage completes, its checkpoint records the run's
 * inputs fingerprint, the staging schema holding its outputs and its result.
 * A later run with the same fingerprint (same as-of, files and settings) and
 * without `force` copies those outputs into its own staging schema and returns
 * the recorded result instead of redoing the stage. Reuse lives here, around
 * the stage activities (createActivities wraps them), so the workflow and the
 * stages themselves do not change.
 */

export type CheckpointStage = 'load' | 'extract' | 'features' | 'train' | 'publish';
const ORDER: CheckpointStage[] = ['load', 'extract', 'features', 'train', 'publish'];

export interface ReuseContext {
  runId: string;
  /** The run whose checkpoint is reused. */
  sourceRun: string;
}

export interface StageOptions<R> {
  /** Publish is recorded but never reused: every run publishes its own version. */
  reusable: boolean;
  /** Stage-specific bookkeeping on reuse (the run's counts), and the result to return. */
  onReuse?: (s: Session, ctx: ReuseContext, recorded: R) => Promise<R>;
  /**
   * True when a redone stage produced nothing new (extraction answered every
   * review from its cache), so the later stages' checkpoints still follow.
   */
  unchanged?: (result: R) => boolean;
}

type RunInputsRow = {
  fingerprint: string | null;
  force: boolean;
};

export function checkpointed<I extends { runId: string }, R>(
  deps: ActivityDeps,
  stage: CheckpointStage,
  activity: (input: I) => Promise<R>,
  options: StageOptions<R>,
): (input: I) => Promise<R> {
  return async (input: I): Promise<R> => {
    const run = await deps.warehouse.withSession((s) =>
      s.one<RunInputsRow>('SELECT fingerprint, force FROM run_inputs WHERE run_id = $1', [input.runId]),
    );
    if (!run?.fingerprint) return activity(input); // nothing to match on: plain stage
    const fingerprint = run.fingerprint;
    if (options.reusable && !run.force) {
      const reused = await deps.warehouse.withSession((s) => reuse(s, stage, fingerprint, input.runId, options));
      if (reused) return reused.result;
    }
    const result = await activity(input);
    const keepLater = options.unchanged?.(result) ?? false;
    await deps.warehouse.withSession((s) => record(s, stage, fingerprint, input.runId, result, keepLater));
    return result;
  };
}

async function reuse<R>(
  s: Session,
  stage: CheckpointStage,
  fingerprint: string,
  runId: string,
  options: StageOptions<R>,
): Promise<{ result: R } | undefined> {
  const checkpoint = await s.one<{ run_id: string; schema: string; result: string }>(
    `SELECT run_id, outputs->>'schema' AS schema, result::VARCHAR AS result
     FROM checkpoints WHERE fingerprint = $1 AND stage = $2 AND format_version = $3`,
    [fingerprint, stage, CHECKPOINT_FORMAT],
  );
  if (!checkpoint) return undefined;
  const recorded = JSON.parse(checkpoint.result) as R;
  // This run's own checkpoint: the stage finished but its completion was lost
  // (worker crash); the outputs are already in place.
  if (checkpoint.run_id === runId) return { result: recorded };
  if (!(await schemaExists(s, checkpoint.schema))) return undefined; // pruned: redo
  const ctx = { runId, sourceRun: checkpoint.run_id };
  // Staging (work lake) and the run's records (readers' lake) are two transactions: one lake each.
  await s.transaction((tx) => copyStaging(tx, checkpoint.run_id, checkpoint.schema, runId));
  const result = await s.transaction(async (tx) => {
    const out = options.onReuse ? await options.onReuse(tx, ctx, recorded) : recorded;
    await tx.run('DELETE FROM run_stages WHERE run_id = $1 AND stage = $2', [runId, stage]);
    await tx.run(
      `INSERT INTO run_stages VALUES ($run_id, $stage, 'reused', $source_run, now())`,
      { run_id: runId, stage, source_run: checkpoint.run_id },
    );
    await tx.run(`UPDATE runs SET stage = $stage WHERE run_id = $run_id`, { run_id: runId, stage });
    return out;
  });
  return { result };
}

/**
 * Copies the checkpoint run's staging tables into this run's schema, once per
 * source run: the later stages then find their inputs where they always do
 * (runSchema(runId)). Tables already copied from the same run are left alone.
 */
async function copyStaging(s: Session, sourceRun: string, sourceSchema: string, runId: string): Promise<void> {
  const already = await s.one(
    `SELECT 1 FROM run_stages WHERE run_id = $1 AND source_run = $2 AND status = 'reused'`,
    [runId, sourceRun],
  );
  if (already) return;
  const target = runSchema(runId);
  await s.run(`CREATE SCHEMA IF NOT EXISTS ${qualified(target)}`);
  for (const table of await tablesOf(s, sourceSchema)) {
    await s.run(`CREATE OR REPLACE TABLE ${qualified(target)}.${ident(table)} AS SELECT * FROM ${qualified(sourceSchema)}.${ident(table)}`);
  }
}

async function record<R>(
  s: Session,
  stage: CheckpointStage,
  fingerprint: string,
  runId: string,
  result: R,
  keepLater: boolean,
): Promise<void> {
  const schema = runSchema(runId);
  const outputs = { schema, tables: await tablesOf(s, schema) };
  const metrics = Object.fromEntries(
    Object.entries((result ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'number'),
  );
  await s.transaction(async (tx) => {
    await tx.run('DELETE FROM checkpoints WHERE fingerprint = $1 AND stage = $2', [fingerprint, stage]);
    await tx.run(
      `INSERT INTO checkpoints VALUES ($fp, $stage, $format, $run_id, $outputs::JSON, $result::JSON, $metrics::JSON, now())`,
      {
        fp: fingerprint,
        stage,
        format: CHECKPOINT_FORMAT,
        run_id: runId,
        outputs: JSON.stringify(outputs),
        result: JSON.stringify(result ?? null),
        metrics: JSON.stringify(metrics),
      },
    );
    // A redone stage may differ from before (an LLM answers differently), so
    // the later stages' checkpoints no longer follow from it.
    const later = keepLater ? [] : ORDER.slice(ORDER.indexOf(stage) + 1);
    if (later.length > 0) {
      await tx.run(
        `DELETE FROM checkpoints WHERE fingerprint = $fp AND run_id <> $run_id AND list_contains($later::VARCHAR[], stage)`,
        { fp: fingerprint, run_id: runId, later: JSON.stringify(later) },
      );
    }
    await tx.run('DELETE FROM run_stages WHERE run_id = $1 AND stage = $2', [runId, stage]);
    await tx.run(`INSERT INTO run_stages VALUES ($run_id, $stage, 'done', NULL, now())`, { run_id: runId, stage });
  });
}

/** Stages this run took from checkpoints instead of doing, in pipeline order. */
export async function reusedStages(s: Session, runId: string): Promise<CheckpointStage[]> {
  const rows = await s.all<{ stage: CheckpointStage }>(
    `SELECT stage FROM run_stages WHERE run_id = $1 AND status = 'reused'`,
    [runId],
  );
  const reused = new Set(rows.map((r) => r.stage));
  return ORDER.filter((stage) => reused.has(stage));
}

async function tablesOf(s: Session, schema: string): Promise<string[]> {
  const rows = await s.all<{ name: string }>(
    `SELECT table_name AS name FROM duckdb_tables() WHERE (database_name || '.' || schema_name) = $1 ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.name);
}

async function schemaExists(s: Session, schema: string): Promise<boolean> {
  const row = await s.one(
    `SELECT 1 FROM duckdb_schemas() WHERE (database_name || '.' || schema_name) = $1`,
    [schema],
  );
  return row !== undefined;
}

/** Adds the stages the run reused to publish's result, for the run summary. */
export function reportingReuse<I extends { runId: string }, R extends object>(
  deps: ActivityDeps,
  publish: (input: I) => Promise<R>,
): (input: I) => Promise<R & { reusedStages: CheckpointStage[] }> {
  return async (input: I) => {
    const result = await publish(input);
    return { ...result, reusedStages: await deps.warehouse.withSession((s) => reusedStages(s, input.runId)) };
  };
}
