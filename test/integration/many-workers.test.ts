// Workers on many machines, simulated by processes: two `personaflow worker`
// processes share one store (a PostgreSQL catalog, then a SQLite one) and a
// data path, serve three concurrent runs, and a reader process queries all
// the while. Every run publishes exactly one whole version; none is lost or
// doubled; the reader never errors and sees only whole versions.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { EXTENSION_DIR } from '../../activities/warehouse/lake.ts';
import { queryOutputs } from '../../client/outputs-reader.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';
import { runCli, startCli, type StartedCli } from '../support/cli.ts';
import { postgresBinDir, startPostgres, type TestPostgres } from '../support/postgres.ts';

const READER = fileURLToPath(new URL('../support/read-outputs-loop.mjs', import.meta.url));

interface Read {
  n?: number;
  versions?: number;
  version?: number | null;
  newest?: number | null;
  expected?: number | null;
  error?: string;
}

function storeSuite(kind: 'postgres' | 'sqlite') {
  describe(`two worker processes on a ${kind} catalog`, () => {
    let h: Harness;
    let pg: TestPostgres | undefined;
    let dataDir: string | undefined;
    const workers: StartedCli[] = [];
    let reader: ChildProcess | undefined;
    const reads: Read[] = [];

    beforeAll(async () => {
      let env: Record<string, string> = {};
      if (kind === 'postgres') {
        pg = await startPostgres();
        // The shared data path every worker reaches (here a folder of this machine).
        dataDir = mkdtempSync(join(tmpdir(), 'personaflow-shared-data-'));
        env = { PERSONAFLOW_LAKE_CATALOG: `postgres:${pg.dsn}`, PERSONAFLOW_LAKE_DATA: dataDir };
      }
      h = await createHarness(`many-${kind}`, inject('temporalAddress'), { env });
      for (let i = 0; i < 2; i++) workers.push(await startCli(['worker'], h.env, /worker serving task queue/));
      // And a stateless extraction-only worker, as on a machine added for the LLM work.
      workers.push(await startCli(['worker', '--queues', 'extract'], h.env, /worker serving task queue "[^"]+-extract" at/));
    });

    afterAll(async () => {
      reader?.kill('SIGKILL');
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => new Promise((r) => (w.child.exitCode !== null ? r(null) : w.child.once('exit', r)))));
      await h?.close();
      await pg?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('three concurrent runs publish three distinct whole versions while a reader reads', async () => {
      // One run first so the reader has a version to read from the start.
      const first = (await h.client.workflow.execute(profileRun, {
        taskQueue: h.taskQueue,
        workflowId: `many-${kind}-0-${Date.now()}`,
        args: [{ source: h.source, asOf: SAMPLE_AS_OF }],
      })) as ProfileRunResult;
      let buffered = '';
      reader = spawn(process.execPath, [READER, JSON.stringify(h.config.lake), EXTENSION_DIR], { stdio: ['ignore', 'pipe', 'inherit'] });
      reader.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) reads.push(JSON.parse(line) as Read);
      });
      const days = [1, 2, 3];
      const handles = await Promise.all(
        days.map((d) =>
          h.client.workflow.start(profileRun, {
            taskQueue: h.taskQueue,
            workflowId: `many-${kind}-${d}-${Date.now()}`,
            args: [{ source: h.source, asOf: new Date(Date.parse(SAMPLE_AS_OF) - d * 86_400_000).toISOString() }],
          }),
        ),
      );
      const results = (await Promise.all(handles.map((x) => x.result()))) as ProfileRunResult[];
      await new Promise((r) => setTimeout(r, 500)); // a few reads after the last publication
      reader.kill('SIGKILL');

      const versions = [first, ...results].map((r) => r.version).sort((a, b) => a - b);
      expect(versions).toEqual([1, 2, 3, 4]);
      const published = await queryOutputs(h.config.lake, 'SELECT version, run_id, customers, snapshot_id FROM profile_versions ORDER BY version');
      expect(published.map((r) => r.run_id).sort()).toEqual([first, ...results].map((r) => r.runId).sort());
      expect(new Set(published.map((r) => r.snapshot_id)).size).toBe(4);
      const perVersion = await queryOutputs(h.config.lake, 'SELECT version, count(*) AS n FROM profiles GROUP BY 1 ORDER BY 1');
      expect(perVersion).toEqual(published.map((r) => ({ version: r.version, n: r.customers })));

      // Both processes did work.
      const identities = new Set<string>();
      for (const handle of handles) {
        for (const event of (await h.client.workflow.getHandle(handle.workflowId).fetchHistory()).events ?? []) {
          const identity = event.activityTaskStartedEventAttributes?.identity;
          if (identity) identities.add(identity);
        }
      }
      expect(identities.size).toBeGreaterThanOrEqual(2);

      expect(reads.length).toBeGreaterThan(10);
      expect(reads.filter((r) => r.error)).toEqual([]);
      for (const r of reads) {
        expect(r.versions).toBe(1);
        expect(r.version).toBe(r.newest);
        expect(r.n).toBe(r.expected);
      }
      expect(reads.at(-1)?.version).toBe(4);
    });

    it('the query command reads the shared store, at any version, and nothing else', async () => {
      const count = await runCli(['query', '--json', 'SELECT count(*) AS n FROM profile_versions'], h.env);
      expect(count.code, count.stderr).toBe(0);
      expect(JSON.parse(count.stdout)).toEqual([{ n: 4 }]);
      const old = await runCli(['query', '--json', '--version', '1', 'SELECT DISTINCT version FROM current_profiles'], h.env);
      expect(old.code, old.stderr).toBe(0);
      expect(JSON.parse(old.stdout)).toEqual([{ version: 1 }]);
      const write = await runCli(['query', `COPY (SELECT 1) TO '${join(h.home, 'x.csv')}'`], h.env);
      expect(write.code).not.toBe(0);
      expect(write.stderr).toMatch(/read-only|disabled by configuration/);
    });
  });
}

if (postgresBinDir()) storeSuite('postgres');
else describe.skip('two worker processes on a postgres catalog (PostgreSQL is not installed)', () => undefined);
storeSuite('sqlite');
