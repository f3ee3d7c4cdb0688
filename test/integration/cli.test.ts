// The personaflow command line as a user runs it: real processes, the test
// run's Temporal dev server (TEMPORAL_ADDRESS), a temporary PERSONAFLOW_HOME.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleData } from '../../scripts/sample-data/generate.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { runCli, startCli } from '../support/cli.ts';

const AS_OF = '2026-11-01T00:00:00Z';

describe('personaflow CLI', () => {
  let home: string;
  let source: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'personaflow-cli-'));
    source = join(home, 'source');
    await generateSampleData({ outDir: source, scale: 300, asOf: new Date(AS_OF) });
    env = {
      PERSONAFLOW_HOME: home,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      PERSONAFLOW_TASK_QUEUE: `cli-${process.pid}-${Date.now()}`,
    };
  });

  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('run waits and prints the summary; status and query read it back', async () => {
    const run = await runCli(['run', '--source', source, '--as-of', AS_OF], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/published version: 1 /);
    expect(run.stdout).toMatch(/customers: +300/);
    expect(run.stderr).toMatch(/✓ publish/); // progress was shown
    const workflowId = /workflow id: +(\S+)/.exec(run.stdout)![1]!;

    const status = await runCli(['status', workflowId], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/COMPLETED/);
    expect(status.stdout).toMatch(/published version: 1 /);

    const query = await runCli(['query', '--json', 'SELECT count(*) AS n, max(version) AS v FROM current_profiles'], env);
    expect(query.code, query.stderr).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual([{ n: 300, v: 1 }]);
  });

  it('explains bad usage without a stack trace', async () => {
    const missing = await runCli(['run', '--source', join(home, 'nope')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--source .*nope: no such folder/);
    const badSql = await runCli(['query', 'SELECT * FROM no_such_table'], env);
    expect(badSql.code).toBe(1);
    expect(badSql.stderr).toMatch(/no_such_table/);
    expect(badSql.stderr).not.toMatch(/\n\s+at /);
  });

  it('a worker process serves --no-wait runs and shuts down cleanly on SIGTERM', async () => {
    const worker = await startCli(['worker'], env, /worker serving task queue/);
    try {
      const started = await runCli(['run', '--source', source, '--as-of', AS_OF, '--no-wait'], env);
      expect(started.code, started.stderr).toBe(0);
      const workflowId = started.stdout.trim();
      expect(workflowId).toMatch(/^profile-run-/);
      // A waiting `run` serves alongside it: the store is shared by every worker.
      const waited = await runCli(['run', '--source', source, '--as-of', AS_OF], env);
      expect(waited.code, waited.stderr).toBe(0);
      const status = await runCli(['status', workflowId], env);
      expect(status.stdout).toMatch(/COMPLETED/);
    } finally {
      const exited = new Promise<number | null>((r) => worker.child.once('exit', r));
      worker.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
