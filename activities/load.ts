import type { ActivityDeps } from './deps.ts';
import { holdInStage } from './test-hooks.ts';
import { loadSources as loadSourceTables } from './warehouse/load-sources.ts';
import { runSchema } from './warehouse/schema.ts';
import type { TableCounts } from '../workflows/types.ts';

export interface LoadInput {
  runId: string;
  source: string;
  asOf: string;
  maxRejectShare?: number;
}

export interface LoadResult {
  tables: Record<string, TableCounts | null>;
}

/** Load stage: the source folder into the run's staging schema, rejects kept. */
export function createLoadSources(deps: ActivityDeps) {
  return async function loadSources(input: LoadInput): Promise<LoadResult> {
    return deps.warehouse.withSession(async (s) => {
      const summary = await loadSourceTables(s, {
        runId: input.runId,
        schema: runSchema(input.runId),
        sourceDir: input.source,
        asOf: new Date(input.asOf),
        maxRejectShare: input.maxRejectShare ?? deps.maxRejectShare,
      }).catch(async (error: unknown) => {
        await recordCounts(s, input.runId, null); // the rejects stay in rejected_rows for inspection
        throw error;
      });
      const tables: Record<string, TableCounts | null> = {};
      for (const [name, load] of Object.entries(summary.tables) as Array<[string, TableCounts | null]>) {
        tables[name] = load && { read: load.read, loaded: load.loaded, rejected: load.rejected, afterAsOf: load.afterAsOf };
      }
      await recordCounts(s, input.runId, tables);
      await holdInStage(deps.holdInStage, 'load');
      return { tables };
    });
  };
}

async function recordCounts(
  s: Parameters<Parameters<ActivityDeps['warehouse']['withSession']>[0]>[0],
  runId: string,
  tables: Record<string, TableCounts | null> | null,
): Promise<void> {
  const loaded: Record<string, number> = {};
  const rejected: Record<string, number> = {};
  if (tables) {
    for (const [name, t] of Object.entries(tables)) {
      loaded[name] = t?.loaded ?? 0;
      rejected[name] = t?.rejected ?? 0;
    }
  } else {
    for (const row of await s.all<{ table_name: string; n: number }>(
      'SELECT table_name, count(*) AS n FROM rejected_rows WHERE run_id = $1 GROUP BY table_name',
      [runId],
    )) {
      rejected[row.table_name] = row.n;
    }
  }
  await s.run(
    `UPDATE runs SET stage = 'load', row_counts = $loaded::JSON, rejected_counts = $rejected::JSON WHERE run_id = $run_id`,
    { run_id: runId, loaded: JSON.stringify(loaded), rejected: JSON.stringify(rejected) },
  );
}
