import { version as duckdbVersion } from '@duckdb/node-api';
import { existsSync, mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddedLake, EXTENSION_DIR, type LakeConfig } from '../../activities/warehouse/lake.ts';
import { ensureWarehouseSchema } from '../../activities/warehouse/schema.ts';
import { manifestPath, readManifest, verifiedAtInstall } from '../../activities/warehouse/extension-trust.ts';
import { queryOutputs, withOutputsSession } from '../../client/outputs-reader.ts';
import { openTestStore } from '../support/store.ts';

// Every way out of a reader's session that issue 10 item 3 found, tried on the
// session itself (below the query command's SELECT-only filter), on a real lake.
// Not here: ATTACHing the catalog file a second time read-write, which DuckDB
// allows because the reader must read that file; only the query command's
// statement filter (SELECT and EXPLAIN only, tested below) stands before it.
describe('a reader session is locked down', () => {
  let home: string;
  let lake: LakeConfig;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'personaflow-lockdown-'));
    lake = embeddedLake(home);
    const store = await openTestStore(home);
    await store.withSession(ensureWarehouseSchema);
    store.close();
    writeFileSync(join(home, 'secret.txt'), 'not for readers');
    writeFileSync(join(home, 'evil.duckdb_extension'), 'an unsigned file');
  });

  const attempts: Array<[string, (home: string) => string, RegExp]> = [
    ['COPY TO a file', (h) => `COPY (SELECT 1) TO '${join(h, 'x.csv')}'`, /disabled by configuration|Permission Error/i],
    ['read a file outside the store', () => `SELECT * FROM read_text('/etc/passwd')`, /disabled by configuration|Permission Error/i],
    ['read a file beside the store', (h) => `SELECT * FROM read_text('${join(h, 'secret.txt')}')`, /disabled by configuration|Permission Error/i],
    ['attach another database', (h) => `ATTACH '${join(h, 'other.duckdb')}' AS other`, /disabled by configuration|Permission Error/i],
    ['turn external access back on', () => 'SET enable_external_access = true', /lock|configuration/i],
    ['change a setting', () => "SET memory_limit = '100GB'", /lock|configuration/i],
    ['load an extension from a file', (h) => `LOAD '${join(h, 'evil.duckdb_extension')}'`, /disabled|Permission Error|configuration/i],
    ['install an extension', () => 'INSTALL json', /disabled|Permission Error|configuration/i],
    ['write a table of the store', () => 'DELETE FROM profile_version_rows', /read-only|read only/i],
  ];

  for (const [name, sql, refusal] of attempts) {
    it(`refuses: ${name}`, async () => {
      const attempt = withOutputsSession(lake, (session) => session.all(sql(home)));
      await expect(attempt).rejects.toThrow(refusal);
      expect(existsSync(join(home, 'x.csv'))).toBe(false);
      expect(existsSync(join(home, 'other.duckdb'))).toBe(false);
    });
  }

  it('the query command refuses anything but SELECT and EXPLAIN before it runs', async () => {
    await expect(queryOutputs(lake, 'DELETE FROM profile_version_rows')).rejects.toThrow(/only SELECT/);
    await expect(queryOutputs(lake, 'SELECT 1; SELECT 2')).rejects.toThrow(/exactly one SQL statement/);
    for (const call of [
      "SELECT * FROM ducklake_merge_adjacent_files('lake')",
      `SELECT * FROM "ducklake_cleanup_old_files"('lake', cleanup_all => true)`,
      "WITH x AS (SELECT * FROM ducklake_expire_snapshots('lake', older_than => now())) SELECT * FROM x",
      "SELECT * FROM (SELECT 1) t, LATERAL (SELECT * FROM ducklake_rewrite_data_files('lake')) r",
    ]) {
      await expect(queryOutputs(lake, call), call).rejects.toThrow(/is for workers only/);
    }
    expect(await queryOutputs(lake, 'SELECT 41 + 1 AS n')).toEqual([{ n: 42 }]);
    expect((await queryOutputs(lake, 'SELECT count(*) AS n FROM lake.snapshots()'))[0]!.n).toBeGreaterThan(0);
  });
});

describe('extensions verified at bootstrap', () => {
  it('bootstrap verified the project\'s extensions, so commands skip the re-check', () => {
    expect(readManifest(EXTENSION_DIR), 'npm run bootstrap writes the manifest').toBeDefined();
    expect(verifiedAtInstall(EXTENSION_DIR, ['ducklake', 'sqlite'])).toBe(true);
    expect(verifiedAtInstall(EXTENSION_DIR, ['ducklake', 'not-an-extension'])).toBe(false);
  });

  it('are trusted only while each file is the one bootstrap verified', () => {
    const dir = mkdtempSync(join(tmpdir(), 'personaflow-ext-'));
    const versionDir = join(dir, duckdbVersion(), 'linux_amd64');
    mkdirSync(versionDir, { recursive: true });
    const file = join(versionDir, 'sqlite_scanner.duckdb_extension');
    writeFileSync(file, 'verified bytes');
    const manifestOf = (path: string) => {
      const stat = statSync(path, { bigint: true });
      return { duckdb: duckdbVersion().slice(1), files: { sqlite: { path, bytes: Number(stat.size), mtimeNs: String(stat.mtimeNs), sha256: 'x' } } };
    };
    writeFileSync(manifestPath(dir), JSON.stringify(manifestOf(file)));
    expect(verifiedAtInstall(dir, ['sqlite'])).toBe(true);
    utimesSync(file, new Date(), new Date(Date.now() + 60_000)); // replaced or touched since
    expect(verifiedAtInstall(dir, ['sqlite'])).toBe(false);
    writeFileSync(manifestPath(dir), JSON.stringify(manifestOf(file)));
    expect(verifiedAtInstall(dir, ['sqlite'])).toBe(true);
    writeFileSync(file, 'other bytes, longer'); // another size
    expect(verifiedAtInstall(dir, ['sqlite'])).toBe(false);
    // A manifest naming a file outside this DuckDB version's folder is not trusted.
    const outside = join(dir, 'elsewhere.duckdb_extension');
    writeFileSync(outside, 'x');
    writeFileSync(manifestPath(dir), JSON.stringify(manifestOf(outside)));
    expect(verifiedAtInstall(dir, ['sqlite'])).toBe(false);
    writeFileSync(manifestPath(dir), '{ torn');
    expect(verifiedAtInstall(dir, ['sqlite'])).toBe(false);
  });
});
