import type { Session } from './warehouse/warehouse.ts';
import type { ReuseContext } from './checkpoints.ts';
import type { LoadResult } from './load.ts';

/**
 * What a reused stage still owes its run: the per-run records the stage would
 * have written (rejected rows and counts), so `runs` and `rejected_rows` read
 * the same whether a stage was done or reused.
 */

export async function reuseLoad(s: Session, ctx: ReuseContext, recorded: LoadResult): Promise<LoadResult> {
  await s.run('DELETE FROM rejected_rows WHERE run_id = $1', [ctx.runId]);
  await s.run(
    `INSERT INTO rejected_rows SELECT $run_id, table_name, row_number, row_key, raw_row, reason
     FROM rejected_rows WHERE run_id = $source_run`,
    { run_id: ctx.runId, source_run: ctx.sourceRun },
  );
  const loaded: Record<string, number> = {};
  const rejected: Record<string, number> = {};
  for (const [name, t] of Object.entries(recorded.tables)) {
    loaded[name] = t?.loaded ?? 0;
    rejected[name] = t?.rejected ?? 0;
  }
  await s.run(`UPDATE runs SET row_counts = $loaded::JSON, rejected_counts = $rejected::JSON WHERE run_id = $run_id`, {
    run_id: ctx.runId,
    loaded: JSON.stringify(loaded),
    rejected: JSON.stringify(rejected),
  });
  return recorded;
}
