// A home made by the earlier release (one warehouse.duckdb file) is carried
// into the lake once: kept versions, runs and the review cache, not the
// unredacted rejected rows.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { ensureWarehouseSchema } from '../../activities/warehouse/schema.ts';
import { migrateLegacyWarehouse } from '../../activities/warehouse/migrate-legacy.ts';
import { openTestStore } from '../support/store.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The earlier release's tables, as it created them (primary keys included), with two versions. */
async function writeLegacyFile(file: string): Promise<void> {
  const old = await Warehouse.open(file);
  await old.withSession(async (s) => {
    await s.run(`CREATE TABLE profile_versions (version INTEGER PRIMARY KEY, run_id VARCHAR NOT NULL UNIQUE, workflow_id VARCHAR NOT NULL,
      as_of TIMESTAMPTZ NOT NULL, published_at TIMESTAMPTZ NOT NULL, model_version VARCHAR NOT NULL, customers INTEGER NOT NULL,
      segments INTEGER NOT NULL, metrics JSON NOT NULL)`);
    await s.run(`INSERT INTO profile_versions VALUES (1, 'r1', 'w1', now(), now(), 'm1', 2, 1, '{}'), (2, 'r2', 'w2', now(), now(), 'm1', 2, 1, '{}')`);
    await s.run(`CREATE TABLE rejected_rows (run_id VARCHAR, table_name VARCHAR, row_number BIGINT, row_key VARCHAR, raw_row JSON, reason VARCHAR)`);
    await s.run(`INSERT INTO rejected_rows VALUES ('r1', 'reviews', 3, 'x', '{"text": "call me at a@b.example"}', 'bad')`);
    await s.run(`CREATE TABLE pinned_versions (version INTEGER PRIMARY KEY, pinned_at TIMESTAMPTZ NOT NULL)`);
    await s.run(`INSERT INTO pinned_versions VALUES (1, now())`);
  });
  old.close();
}

describe('migrating an earlier release store', () => {
  it('copies versions and pins into an empty lake once, continues the numbering, and leaves rejected rows behind', async () => {
    dir = mkdtempSync(join(tmpdir(), 'personaflow-migrate-'));
    const legacy = join(dir, 'warehouse.duckdb');
    await writeLegacyFile(legacy);
    const store = await openTestStore(dir);
    try {
      const result = await store.withSession(async (s) => {
        await ensureWarehouseSchema(s);
        return migrateLegacyWarehouse(s, legacy);
      });
      expect(result).toEqual({ versions: 2, movedTo: `${legacy}.migrated` });
      expect(existsSync(legacy)).toBe(false);
      const rows = await store.withSession((s) =>
        s.one<{ versions: number; pinned: number; rejected: number; counter: number }>(
          `SELECT (SELECT count(*) FROM profile_versions) AS versions, (SELECT count(*) FROM pinned_versions) AS pinned,
                  (SELECT count(*) FROM rejected_rows) AS rejected, (SELECT last_version FROM version_counter) AS counter`,
        ),
      );
      expect(rows).toEqual({ versions: 2, pinned: 1, rejected: 0, counter: 2 });
      // Done once: nothing left to migrate.
      expect(await store.withSession((s) => migrateLegacyWarehouse(s, legacy))).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('refuses to mix an old file into a lake that already has versions, naming the file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'personaflow-migrate-'));
    const legacy = join(dir, 'warehouse.duckdb');
    await writeLegacyFile(legacy);
    const store = await openTestStore(dir);
    try {
      await store.withSession(async (s) => {
        await ensureWarehouseSchema(s);
        await s.run(`INSERT INTO profile_version_rows VALUES (1, 'new', 'w', now(), now(), 'm', 1, 1, '{}')`);
        await expect(migrateLegacyWarehouse(s, legacy)).rejects.toThrow(/warehouse\.duckdb is a store from an earlier personaflow release/);
      });
      expect(existsSync(legacy)).toBe(true);
    } finally {
      store.close();
    }
  });
});
