// The DuckLake store as data teams see it: time travel to an old version from
// another process, retention that leaves only the kept versions' files on
// disk (the pinned one still readable), and no private text of rejected rows
// in any table readers can attach.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { queryOutputs, withOutputsSession } from '../../client/outputs-reader.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';
import { runCli } from '../support/cli.ts';
import { findPII } from '../../activities/llm/redact.ts';

const PROFILE_SQL = 'SELECT customer_id, segment_id, segment_name, recency_days, monetary, value_tier, churn_risk FROM current_profiles ORDER BY customer_id';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe('the DuckLake store', () => {
  let h: Harness;
  const runs: ProfileRunResult[] = [];
  let versionOne: unknown[];

  beforeAll(async () => {
    h = await createHarness('store', inject('temporalAddress'), { env: { PERSONAFLOW_KEEP_VERSIONS: '2' } });
    await h.startWorker();
  });
  afterAll(async () => {
    await h?.close();
  });

  const run = (n: number) =>
    h.client.workflow.execute(profileRun, {
      taskQueue: h.taskQueue,
      workflowId: `store-${n}-${Date.now()}`,
      // Each as-of a day earlier: other inputs, so every version is computed, with other profiles.
      args: [{ source: h.source, asOf: new Date(Date.parse(SAMPLE_AS_OF) - n * 86_400_000).toISOString() }],
    }) as Promise<ProfileRunResult>;

  it('a reader in another process reads version 1 exactly as it was after version 3 (time travel)', async () => {
    runs.push(await run(1));
    versionOne = await queryOutputs(h.config.lake, PROFILE_SQL);
    const pin = await runCli(['version', 'pin', '1'], h.env);
    expect(pin.code, pin.stderr).toBe(0);
    runs.push(await run(2));
    runs.push(await run(3));
    expect(runs.map((r) => r.version)).toEqual([1, 2, 3]);
    const now = await queryOutputs(h.config.lake, 'SELECT DISTINCT version FROM current_profiles');
    expect(now).toEqual([{ version: 3 }]);
    const back = await runCli(['query', '--json', '--version', '1', PROFILE_SQL], h.env);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toEqual(JSON.parse(JSON.stringify(versionOne)));
  });

  it('retention keeps the newest two and the pinned version, and only their files remain on disk', async () => {
    const kept = await queryOutputs(h.config.lake, 'SELECT DISTINCT version FROM profiles ORDER BY 1');
    expect(kept.map((r) => r.version)).toEqual([1, 2, 3]); // keep 2 (2, 3) + pinned 1
    runs.push(await run(4));
    const after = await queryOutputs(h.config.lake, 'SELECT DISTINCT version FROM profiles ORDER BY 1');
    expect(after.map((r) => r.version)).toEqual([1, 3, 4]);
    const snapshots = await queryOutputs(h.config.lake, 'SELECT version, snapshot_id FROM profile_versions ORDER BY version');
    expect(snapshots.map((r) => r.snapshot_id === null)).toEqual([false, true, false, false]); // version 2's snapshot expired

    // Every data file on disk is one the catalog still lists, and none it dropped lingers.
    const listed = await withOutputsSession(h.config.lake, (s) =>
      s.all<{ path: string }>(
        `SELECT path FROM __ducklake_metadata_lake.ducklake_data_file UNION ALL SELECT path FROM __ducklake_metadata_lake.ducklake_delete_file`,
      ),
    );
    const onDisk = filesUnder(h.config.lake.dataPath).sort();
    // The catalog names files relative to their table's folder.
    const known = new Set(listed.map((r) => basename(r.path)));
    expect(onDisk.filter((f) => !known.has(basename(f)))).toEqual([]);
    expect(onDisk.length).toBeGreaterThan(0);
    const scheduled = await withOutputsSession(h.config.lake, (s) =>
      s.one<{ n: number }>('SELECT count(*) AS n FROM __ducklake_metadata_lake.ducklake_files_scheduled_for_deletion'),
    );
    expect(scheduled?.n).toBe(0);

    // The pinned version is still readable, as it was.
    const pinned = await runCli(['query', '--json', '--version', '1', PROFILE_SQL], h.env);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(JSON.parse(pinned.stdout)).toEqual(JSON.parse(JSON.stringify(versionOne)));
    // The expired one says so.
    const gone = await runCli(['query', '--version', '2', 'SELECT 1'], h.env);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/no longer reachable: retention expired its snapshot/);
  });

  it('no table readers can attach holds an e-mail address, a phone number or a review text of a rejected row', async () => {
    // The sample plants bad review rows (listed in _truth/bad_rows.csv).
    expect(readFileSync(join(h.source, '_truth', 'bad_rows.csv'), 'utf8')).toMatch(/^reviews,/m);
    const rejected = await queryOutputs(h.config.lake, `SELECT table_name, raw_row::VARCHAR AS raw FROM rejected_rows`);
    expect(rejected.length).toBeGreaterThan(0);
    // Texts of the rejected reviews as the source has them (the work lake keeps them; readers do not).
    const rejectedTexts = await (async () => {
      const { Warehouse } = await import('../../activities/warehouse/warehouse.ts');
      const { runSchema } = await import('../../activities/warehouse/schema.ts');
      const worker = await Warehouse.openLake(h.config.lake);
      try {
        return (await worker.withSession((s) =>
          s.all<{ text: string }>(
            `SELECT text FROM (SELECT json_extract_string(raw_row, '$.text') AS text FROM ${runSchema(runs.at(-1)!.runId)}.rejected_rows_raw WHERE table_name = 'reviews') WHERE length(text) > 20`,
          ),
        )).map((r) => r.text);
      } finally {
        worker.close();
      }
    })();
    expect(rejectedTexts.length).toBeGreaterThan(0);
    // Every text column of every table in the readers' lake.
    const columns = await queryOutputs(
      h.config.lake,
      `SELECT table_name AS t, column_name AS c FROM duckdb_columns()
       WHERE database_name = 'lake' AND schema_name = 'main' AND (data_type LIKE 'VARCHAR%' OR data_type = 'JSON')`,
    );
    for (const { t, c } of columns as Array<{ t: string; c: string }>) {
      const values = await queryOutputs(h.config.lake, `SELECT DISTINCT "${c}"::VARCHAR AS v FROM "${t}" WHERE "${c}" IS NOT NULL`);
      for (const { v } of values as Array<{ v: string }>) {
        // The raw rows and error texts: no e-mail address or phone number (the redaction module's own detector).
        if (c === 'raw_row' || c === 'error') expect(findPII(v), `${t}.${c}`).toEqual([]);
        for (const text of rejectedTexts) expect(v.includes(text), `${t}.${c} holds a rejected review's text`).toBe(false);
      }
    }
  });
});
