import { renameSync, rmSync } from 'node:fs';
import type { Session } from './warehouse.ts';

/** Tables data teams read; copied whole into the readers' file. */
export const OUTPUT_TABLES = [
  'profiles',
  'segments',
  'profile_versions',
  'runs',
  'review_features',
  'rejected_rows',
  'model_versions',
  // Which stages each run did or reused, and the versions retention keeps.
  'checkpoints',
  'run_stages',
  'pinned_versions',
] as const;

let exporting: Promise<unknown> = Promise.resolve();

/**
 * Writes the published outputs to the readers' DuckDB file.
 *
 * DuckDB lets one process hold a file read-write, and no other process can open
 * it meanwhile, not even read-only. So the worker never holds the readers' file:
 * it writes a complete new file beside it and renames it into place. rename(2)
 * is atomic, so a reader opening the path gets the old snapshot or the new one,
 * never a mix, and a reader that already has the old file open keeps reading it.
 * Exports are serialised in this process so the last rename carries every
 * committed version.
 */
export function exportOutputs(session: Session, outputsPath: string): Promise<void> {
  const next = exporting.then(() => writeSnapshot(session, outputsPath));
  exporting = next.catch(() => undefined);
  return next;
}

async function writeSnapshot(session: Session, outputsPath: string): Promise<void> {
  const tmp = `${outputsPath}.${process.pid}.tmp`;
  const removeTmp = () => {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.wal`, { force: true });
  };
  removeTmp();
  await session.run(`ATTACH '${tmp.replaceAll("'", "''")}' AS snapshot`);
  try {
    for (const table of OUTPUT_TABLES) {
      await session.run(`CREATE TABLE snapshot.${table} AS SELECT * FROM main.${table}`);
    }
    // Unqualified names: DuckDB binds a view's tables in the view's own
    // database, so the view works whatever name a reader attaches the file as.
    await session.run(
      `CREATE VIEW snapshot.current_profiles AS
         SELECT * FROM profiles WHERE version = (SELECT max(version) FROM profile_versions)`,
    );
  } catch (error) {
    await session.run('DETACH snapshot').catch(() => undefined);
    removeTmp(); // a half-written snapshot must not linger beside the readers' file
    throw error;
  }
  await session.run('DETACH snapshot');
  renameSync(tmp, outputsPath);
}
