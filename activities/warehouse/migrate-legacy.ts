import { existsSync, renameSync } from 'node:fs';
import type { Session } from './warehouse.ts';
import { literal } from './sql-quote.ts';

/**
 * Tables of the earlier release's single-file store (PERSONAFLOW_HOME/warehouse.duckdb)
 * carried into the lake, with the lake's name for each. Rejected rows are not
 * carried: that release kept them unredacted, and they stay in the old file.
 * Staging and checkpoints are per run and are redone by the next run.
 */
const CARRIED: Array<[from: string, to: string]> = [
  ['profile_versions', 'profile_version_rows'],
  ['profiles', 'profiles'],
  ['segments', 'segments'],
  ['runs', 'runs'],
  ['model_versions', 'model_versions'],
  ['review_features', 'review_features'], // the review cache: no review is paid for twice
  ['pinned_versions', 'pinned_versions'],
];

export interface LegacyMigration {
  versions: number;
  /** Where the old file was moved once copied. */
  movedTo: string;
}

/**
 * Copies the kept versions (and the review cache) of an earlier release's
 * warehouse file into an empty lake, in one transaction, then renames the old
 * file to `<file>.migrated` so it is done once. A lake that already has
 * versions is left alone and the old file is named in the error, so nothing
 * is silently shadowed.
 */
export async function migrateLegacyWarehouse(s: Session, file: string): Promise<LegacyMigration | undefined> {
  if (!existsSync(file)) return undefined;
  const published = await s.one<{ n: number }>('SELECT count(*) AS n FROM profile_version_rows');
  if ((published?.n ?? 0) > 0) {
    throw new Error(
      `${file} is a store from an earlier personaflow release, and the lake already holds versions: ` +
        `move the old file aside (its versions are not copied into a lake that has its own) or delete it`,
    );
  }
  await s.run(`ATTACH ${literal(file)} AS legacy (READ_ONLY)`);
  let versions = 0;
  try {
    const present = new Set(
      (await s.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE database_name = 'legacy' AND schema_name = 'main'`)).map(
        (r) => r.t,
      ),
    );
    await s.transaction(async (tx) => {
      for (const [from, to] of CARRIED) {
        if (!present.has(from)) continue;
        await tx.run(`DELETE FROM ${to}`);
        await tx.run(`INSERT INTO ${to} BY NAME SELECT * FROM legacy.main.${from}`);
      }
      await tx.run('UPDATE version_counter SET last_version = (SELECT coalesce(max(version), 0) FROM profile_version_rows)');
      versions = (await tx.one<{ n: number }>('SELECT count(*) AS n FROM profile_version_rows'))?.n ?? 0;
    });
  } finally {
    await s.run('DETACH legacy').catch(() => undefined);
  }
  const movedTo = `${file}.migrated`;
  renameSync(file, movedTo);
  return { versions, movedTo };
}
