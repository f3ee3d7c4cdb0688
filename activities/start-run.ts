import type { ActivityDeps } from './deps.ts';
import { ensureWarehouseSchema } from './warehouse/schema.ts';

export interface StartRunInput {
  runId: string;
  workflowId: string;
  asOf: string;
  source: string;
}

/** Records the run (idempotent: a retry keeps the first start time). */
export function createStartRun({ warehouse }: ActivityDeps) {
  return async function startRun(input: StartRunInput): Promise<void> {
    await warehouse.withSession(async (s) => {
      await ensureWarehouseSchema(s);
      await s.transaction((tx) =>
        tx.run(
          `INSERT INTO runs (run_id, workflow_id, as_of, source, status, stage, started_at)
           SELECT $run_id, $workflow_id, $as_of::TIMESTAMPTZ, $source, 'running', 'starting', now()
           WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = $run_id)`,
          { run_id: input.runId, workflow_id: input.workflowId, as_of: input.asOf, source: input.source },
        ),
      );
    });
  };
}

export interface FailRunInput {
  runId: string;
  stage: string;
  error: string;
}

/** Marks a run failed so data teams see it in `runs`; the workflow still fails. */
export function createMarkRunFailed({ warehouse }: ActivityDeps) {
  return async function markRunFailed(input: FailRunInput): Promise<void> {
    await warehouse.withSession((s) =>
      s.run(
        `UPDATE runs SET status = 'failed', stage = $stage, error = $error, finished_at = now() WHERE run_id = $run_id`,
        { run_id: input.runId, stage: input.stage, error: input.error.slice(0, 2000) },
      ),
    );
  };
}
