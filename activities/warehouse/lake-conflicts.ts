/**
 * Several processes write one lake's catalog. A statement that meets another
 * writer (`database is locked` on a SQLite catalog, `Transaction conflict` on
 * PostgreSQL) succeeds when redone after a short, jittered pause; both the
 * first ATTACH of a fresh store (lake.ts) and every commit (warehouse.ts)
 * redo theirs this way.
 */
export function isCommitConflict(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /database is locked|Transaction conflict|conflict|could not serialize|Failed to commit DuckLake transaction/i.test(message);
}

/** The pause before redo number `attempt`: doubling from `baseMs`, at most 2 s, jittered ±50%. */
export function conflictPause(attempt: number, baseMs: number): Promise<void> {
  const ms = Math.min(2000, baseMs * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
