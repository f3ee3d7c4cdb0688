// Every way out of `personaflow query` that issue 10 item 3 tried, and the
// like, on a store with a published version: each is refused, writes no file,
// and leaves the store as it was (a later publish still works).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteCatalogFile } from '../../activities/warehouse/lake.ts';
import { errorLine, secondsSince, type ChaosCase, type CaseOutcome } from './case.ts';
import type { Store } from './harness.ts';

interface Escape {
  name: string;
  sql: (store: Store, out: string) => string;
}

const ESCAPES: Escape[] = [
  { name: 'COPY TO a file', sql: (_s, out) => `COPY (SELECT 1) TO '${out}'` },
  { name: 'COPY a table out', sql: (_s, out) => `COPY profiles TO '${out}' (FORMAT parquet)` },
  { name: 'read /etc/passwd', sql: () => `SELECT * FROM read_text('/etc/passwd')` },
  { name: 'read a file beside the store', sql: (s) => `SELECT * FROM read_text('${join(s.home, 'secret.txt')}')` },
  { name: 'read_csv outside the store', sql: () => `SELECT * FROM read_csv('/etc/hostname')` },
  { name: 'read_blob', sql: () => `SELECT * FROM read_blob('/etc/hostname')` },
  { name: 'glob the filesystem', sql: () => `SELECT * FROM glob('/etc/*')` },
  { name: 'ATTACH another database', sql: (_s, out) => `ATTACH '${out}' AS other` },
  { name: 'ATTACH the catalog READ_WRITE', sql: (s) => `ATTACH '${sqliteCatalogFile(s.config.lake)}' AS rw (TYPE sqlite, READ_WRITE)` },
  { name: 'ATTACH the lake READ_WRITE', sql: (s) => `ATTACH 'ducklake:sqlite:${sqliteCatalogFile(s.config.lake)}' AS rw2 (READ_WRITE)` },
  { name: 'DELETE from a table', sql: () => 'DELETE FROM profile_version_rows' },
  { name: 'DELETE hidden in a CTE', sql: () => 'WITH x AS (SELECT 1) DELETE FROM profiles' },
  { name: 'INSERT', sql: () => 'INSERT INTO pinned_versions VALUES (99, now())' },
  { name: 'UPDATE', sql: () => "UPDATE runs SET status = 'failed'" },
  { name: 'DROP TABLE', sql: () => 'DROP TABLE profiles' },
  { name: 'CREATE TABLE', sql: () => 'CREATE TABLE x AS SELECT 1' },
  { name: 'two statements', sql: () => 'SELECT 1; DELETE FROM profiles' },
  { name: 'SET enable_external_access', sql: () => 'SET enable_external_access = true' },
  { name: 'SET a setting', sql: () => "SET memory_limit = '100GB'" },
  { name: 'PRAGMA', sql: () => 'PRAGMA enable_profiling' },
  { name: 'LOAD an extension file', sql: (s) => `LOAD '${join(s.home, 'evil.duckdb_extension')}'` },
  { name: 'INSTALL an extension', sql: () => 'INSTALL httpfs' },
  { name: 'DuckLake maintenance in a SELECT', sql: () => "SELECT * FROM ducklake_cleanup_old_files('lake', cleanup_all => true)" },
  { name: 'CALL expire snapshots', sql: () => "CALL ducklake_expire_snapshots('lake', older_than => now())" },
  { name: 'EXPORT DATABASE', sql: (_s, out) => `EXPORT DATABASE '${out}'` },
  { name: 'CHECKPOINT', sql: () => 'CHECKPOINT' },
];

function escapeCase(e: Escape): ChaosCase {
  return {
    group: 'reader escape',
    name: `reader escape: ${e.name}`,
    async run(ctx): Promise<CaseOutcome> {
      const { home, taskQueue } = ctx.suite.readerStore!;
      const store = ctx.store({}, ctx.suite.server.address, home, taskQueue);
      writeFileSync(join(store.home, 'secret.txt'), 'not for readers');
      writeFileSync(join(store.home, 'evil.duckdb_extension'), 'an unsigned file');
      const out = join(ctx.suite.root, `escape-${e.name.replace(/\W+/g, '-')}.out`);
      const before = await ctx.cli(store, ['query', 'SELECT (SELECT count(*) FROM profile_version_rows) AS v, (SELECT count(*) FROM profiles) AS p, (SELECT count(*) FROM runs) AS r', '--json']);
      const started = Date.now();
      const attempt = await ctx.cli(store, ['query', e.sql(store, out), '--json']);
      const seconds = secondsSince(started);
      const after = await ctx.cli(store, ['query', 'SELECT (SELECT count(*) FROM profile_version_rows) AS v, (SELECT count(*) FROM profiles) AS p, (SELECT count(*) FROM runs) AS r', '--json']);
      const problems: string[] = [];
      if (attempt.code === 0) problems.push(`allowed: ${attempt.stdout.trim().slice(0, 100)}`);
      if (existsSync(out)) problems.push(`wrote ${out}`);
      if (before.stdout !== after.stdout) problems.push(`the store changed: ${before.stdout.trim()} -> ${after.stdout.trim()}`);
      return {
        problems,
        expect: [[store, { published: 1, sample: ctx.suite.sample, baselineCustomers: ctx.suite.baselineCustomers }]],
        recoverSeconds: seconds,
        note: errorLine(attempt.stderr).slice(0, 100),
      };
    },
  };
}

export function readerCases(): ChaosCase[] {
  return ESCAPES.map(escapeCase);
}
