import type { Session } from '../activities/warehouse/warehouse.ts';

/**
 * Recent runs for `personaflow status` without an id, from the runs table of
 * the published outputs (plain SQL over runs and profile_versions, so it reads
 * any store that has those tables).
 */
export type RunRow = {
  workflow_id: string;
  as_of: string;
  version: number | null;
  state: string;
  stage: string;
  seconds: number | null;
  customers: number | null;
  rejects: number | null;
  llm_tokens: number | null;
  cost_usd: number | null;
  error: string | null;
};

const RUNS_SQL = `
  SELECT r.workflow_id,
         strftime(r.as_of AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS as_of,
         r.version,
         r.status AS state,
         r.stage,
         round(epoch(r.finished_at) - epoch(r.started_at), 1) AS seconds,
         v.customers,
         CAST((SELECT sum(CAST(j.value AS BIGINT)) FROM json_each(r.rejected_counts) AS j) AS BIGINT) AS rejects,
         CAST(CAST(r.llm->>'promptTokens' AS BIGINT) + CAST(r.llm->>'completionTokens' AS BIGINT) AS BIGINT) AS llm_tokens,
         CAST(r.llm->>'costUsd' AS DOUBLE) AS cost_usd,
         r.error
  FROM runs r LEFT JOIN profile_versions v ON v.run_id = r.run_id
  ORDER BY r.started_at DESC
  LIMIT $1`;

export function recentRuns(s: Session, limit: number): Promise<RunRow[]> {
  return s.all<RunRow>(RUNS_SQL, [limit]);
}
