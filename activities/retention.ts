import type { Session } from './warehouse/warehouse.ts';
import { runSchema } from './warehouse/schema.ts';
import { qualified } from './warehouse/sql-quote.ts';
import { LAKE, WORK } from './warehouse/lake.ts';

/** Published versions kept when PERSONAFLOW_KEEP_VERSIONS is not set. */
export const DEFAULT_KEEP_VERSIONS = 20;
/** Staging of this many most recent input fingerprints stays for checkpoint reuse. */
export const KEEP_STAGING_FINGERPRINTS = 3;

/**
 * Retention of published versions: profiles and segments of versions older
 * than the newest `keep` go, except pinned ones; the current version is the
 * newest, so it always stays. profile_versions keeps every row: it is the
 * history of what was published, and its run_id is publish's idempotency key
 * (a retried publish must find its version even after it was pruned).
 * Returns the versions whose rows were deleted.
 */
export async function pruneVersions(s: Session, keep: number): Promise<number[]> {
  if (!(Number.isInteger(keep) && keep >= 1)) throw new RangeError(`keep must be a positive integer, got ${keep}`);
  return s.transaction(async (tx) => {
    const doomed = (
      await tx.all<{ version: number }>(
        `SELECT DISTINCT version FROM profiles
         WHERE version NOT IN (SELECT version FROM pinned_versions)
           AND version NOT IN (SELECT version FROM profile_version_rows ORDER BY version DESC LIMIT $keep)
         ORDER BY version`,
        { keep },
      )
    ).map((r) => r.version);
    if (doomed.length === 0) return [];
    const versions = JSON.stringify(doomed);
    await tx.run('DELETE FROM profiles WHERE list_contains($v::JSON::INTEGER[], version)', { v: versions });
    await tx.run('DELETE FROM segments WHERE list_contains($v::JSON::INTEGER[], version)', { v: versions });
    return doomed;
  });
}

/**
 * Drops run staging schemas nobody needs any more: a schema stays while its
 * run is running, while a running run's plan reuses it, or while a checkpoint
 * of one of the most recent input fingerprints points at it (a later run may
 * reuse it). Checkpoints whose
 * schema is dropped go with it. Returns the dropped schemas.
 */
export async function pruneStaging(s: Session, keepFingerprints = KEEP_STAGING_FINGERPRINTS): Promise<string[]> {
  const keep = new Set<string>();
  for (const row of await s.all<{ schema: string }>(
    `SELECT DISTINCT outputs->>'schema' AS schema FROM checkpoints
     WHERE fingerprint IN (SELECT fingerprint FROM checkpoints GROUP BY fingerprint ORDER BY max(created_at) DESC LIMIT $n)`,
    { n: keepFingerprints },
  )) {
    keep.add(row.schema);
  }
  for (const row of await s.all<{ run_id: string }>(`SELECT run_id FROM runs WHERE status = 'running'`)) {
    keep.add(runSchema(row.run_id));
  }
  // Staging a running run's plan reuses stays until that run ends, even when a
  // concurrent run with the same inputs replaced the checkpoint (checkpoints.ts pinPlannedReuses).
  await s.run(`DELETE FROM planned_reuses WHERE run_id NOT IN (SELECT run_id FROM runs WHERE status = 'running')`);
  for (const row of await s.all<{ schema: string }>(`SELECT DISTINCT schema FROM planned_reuses`)) keep.add(row.schema);
  const staging = await s.all<{ name: string }>(
    `SELECT database_name || '.' || schema_name AS name FROM duckdb_schemas()
     WHERE database_name = $work AND schema_name LIKE 'run\\_%' ESCAPE '\\'`,
    { work: WORK },
  );
  const dropped = staging.map((r) => r.name).filter((name) => !keep.has(name));
  for (const name of dropped) await s.run(`DROP SCHEMA IF EXISTS ${qualified(name)} CASCADE`);
  if (dropped.length > 0) {
    await s.run(`DELETE FROM checkpoints WHERE list_contains($d::JSON::VARCHAR[], outputs->>'schema')`, {
      d: JSON.stringify(dropped),
    });
  }
  return dropped;
}

/** Files in the data paths that no snapshot knows (a writer killed mid-commit) go after this long. */
export const ORPHAN_GRACE = '1 hour';

/**
 * DuckLake keeps every snapshot, and with it every data file ever written,
 * until snapshots are expired. The readers' lake keeps the snapshots of the
 * versions retention keeps (so `AT (VERSION => …)` reaches each of them) and
 * the newest one; the work lake keeps only its newest (staging that still
 * exists is in it). Then the files no kept snapshot needs are removed, and
 * orphans older than ORPHAN_GRACE. Best effort: a version is already
 * published when this runs, so a failure is reported, never raised.
 */
export async function expireOldSnapshots(s: Session, log: (line: string) => void = console.warn): Promise<void> {
  try {
    const doomed = await s.all<{ id: number }>(
      `SELECT snapshot_id AS id FROM ${LAKE}.snapshots()
       WHERE snapshot_id < (SELECT max(snapshot_id) FROM ${LAKE}.snapshots())
         AND snapshot_id NOT IN (
           SELECT snapshot_id FROM version_snapshots
           WHERE version IN (SELECT DISTINCT version FROM profiles) OR version IN (SELECT version FROM pinned_versions))`,
    );
    if (doomed.length > 0) {
      await s.run(`CALL ducklake_expire_snapshots('${LAKE}', versions => $1::JSON::UBIGINT[])`, [JSON.stringify(doomed.map((r) => r.id))]);
    }
    const newest = await s.one<{ t: string }>(`SELECT max(snapshot_time)::VARCHAR AS t FROM ${WORK}.snapshots()`);
    if (newest?.t) await s.run(`CALL ducklake_expire_snapshots('${WORK}', older_than => $1::TIMESTAMPTZ)`, [newest.t]);
    for (const lake of [LAKE, WORK]) {
      await s.run(`CALL ducklake_cleanup_old_files('${lake}', cleanup_all => true)`);
      await s.run(`CALL ducklake_delete_orphaned_files('${lake}', older_than => now() - INTERVAL '${ORPHAN_GRACE}')`);
    }
  } catch (error) {
    log(`personaflow: retention could not expire old snapshots this time (${(error as Error).message.split('\n')[0]}); the next publication tries again`);
  }
}
