// The personaflow command line as a user runs it: real processes, the test
// run's Temporal dev server (TEMPORAL_ADDRESS), a temporary PERSONAFLOW_HOME.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleData } from '../../scripts/sample-data/generate.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { runCli, startCli } from '../support/cli.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../support/free-port.ts';

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
      // The CLI's behaviour, not extraction: the offline rules keep these runs short.
      PERSONAFLOW_LLM_PROVIDER: 'offline',
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

    // Megabytes of output into a pipe arrive whole: process.exit used to drop what the pipe had not taken (cut at 64 KB).
    const large = await runCli(['query', '--json', "SELECT range AS n, repeat('x', 1000) AS s FROM range(3000)"], env);
    expect(large.code, large.stderr).toBe(0);
    expect(JSON.parse(large.stdout)).toHaveLength(3000);
  });

  it('explains bad usage without a stack trace, with exit codes by class', async () => {
    const missing = await runCli(['run', '--source', join(home, 'nope')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--source .*nope: no such folder/);
    const unknown = await runCli(['version', 'list', '--bogus'], env);
    expect(unknown.code).toBe(2);
    const badSql = await runCli(['query', 'SELECT * FROM no_such_table'], env);
    expect(badSql.code).toBe(3);
    expect(badSql.stderr).toMatch(/no_such_table/);
    expect(badSql.stderr).not.toMatch(/\n\s+at /);
    const version = await runCli(['--version'], env);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('prints data as JSON for scripts: status lists runs, segments, version list, run --json', async () => {
    const runs = await runCli(['status', '--json'], env);
    expect(runs.code, runs.stderr).toBe(0);
    const rows = JSON.parse(runs.stdout) as Array<Record<string, unknown>>;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.at(-1)).toMatchObject({ as_of: AS_OF.replace('.000', ''), version: 1, state: 'published', customers: 300 });
    expect(rows.at(-1)).toHaveProperty('rejects');
    expect(rows.at(-1)).toHaveProperty('llm_tokens');
    const table = await runCli(['status'], env);
    expect(table.stdout).toMatch(/workflow_id +as_of +version +state/);

    const segments = await runCli(['segments', '--json', '--version', '1'], env);
    expect(segments.code, segments.stderr).toBe(0);
    const parsed = JSON.parse(segments.stdout) as { version: number; segments: Array<{ size: number; persona: string; feature_means: Record<string, number> }> };
    expect(parsed.version).toBe(1);
    expect(parsed.segments.reduce((n, s) => n + s.size, 0)).toBe(300);
    expect(typeof parsed.segments[0]!.feature_means.monetary).toBe('number');
    expect((await runCli(['segments', '--version', '99'], env)).code).toBe(3);

    const versions = await runCli(['version', 'list', '--json'], env);
    expect(JSON.parse(versions.stdout)[0]).toMatchObject({ version: 1, customers: 300 });

    const run = await runCli(['run', '--source', source, '--as-of', AS_OF, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { version: number; customers: number; workflowId: string };
    expect(result.customers).toBe(300);
    expect(result.version).toBeGreaterThan(1);
    const status = await runCli(['status', result.workflowId, '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'COMPLETED', result: { version: result.version } });
  });

  it('a failed run prints one line and where the details are; exit 3 for bad source data', async () => {
    const folder = join(home, 'no-orders');
    mkdirSync(folder);
    copyFileSync(join(source, 'customers.csv'), join(folder, 'customers.csv'));
    const run = await runCli(['run', '--source', folder], env);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/personaflow: run \S+ failed: .*required table orders not found/);
    expect(run.stderr).toMatch(/details: `npx personaflow status \S+`.*personaflow\.log/);
    expect(run.stderr).not.toMatch(/\[WARN\]|taskToken|\n\s+at /);
    expect(run.stderr.trim().split('\n').length).toBeLessThan(12);
    const id = /run (\S+) failed/.exec(run.stderr)![1]!;
    const status = await runCli(['status', id], env);
    expect(status.code).toBe(4);
    expect(status.stdout).toMatch(/FAILED/);
  });

  it('read-only commands never start a server, and never join one they did not start', async () => {
    const local = { ...env, TEMPORAL_ADDRESS: '' }; // empty: unset for the CLI
    const status = await runCli(['status', 'some-run'], local);
    expect(status.code).toBe(5);
    expect(status.stderr).toMatch(/no Temporal server is running for PERSONAFLOW_HOME=.*TEMPORAL_ADDRESS/);
    expect(existsSync(join(home, 'temporal-server.json'))).toBe(false);
    expect((await runCli(['schedule', 'list'], local)).code).toBe(5);
    // The test run's server holds this port, but this home did not start it: not joined.
    const port = inject('temporalAddress').split(':').at(-1)!;
    const start = await runCli(['server', 'start'], { ...local, PERSONAFLOW_TEMPORAL_PORT: port });
    expect(start.code).toBe(5);
    expect(start.stderr).toMatch(new RegExp(`port ${port} \\(PERSONAFLOW_TEMPORAL_PORT\\) is held by another program.*TEMPORAL_ADDRESS`));
  });

  it('run --no-wait warns when no worker polls the queue, and status says it waits for a worker', async () => {
    const lonely = { ...env, PERSONAFLOW_TASK_QUEUE: `cli-lonely-${process.pid}-${Date.now()}` };
    const started = await runCli(['run', '--source', source, '--as-of', AS_OF, '--no-wait'], lonely);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).toMatch(/warning: no worker polls task queue "cli-lonely-[^"]+": the run waits until one does/);
    const workflowId = started.stdout.trim();
    try {
      const status = await runCli(['status', workflowId, '--json'], lonely);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ state: 'RUNNING', waitingForWorker: true, message: expect.stringMatching(/^waiting for a worker: none polls task queue/) });
    } finally {
      const connection = await Connection.connect({ address: inject('temporalAddress') });
      await new Client({ connection }).workflow.getHandle(workflowId).terminate('test done');
      await connection.close();
    }
  });

  it('doctor checks Temporal, the store, the LLM (one tiny request) and disk; exit code by class', async () => {
    const fake = await startFakeOpenAI();
    try {
      const llm = { PERSONAFLOW_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseURL, PERSONAFLOW_LLM_MODEL: 'fake-model' };
      const good = await runCli(['doctor', '--json'], { ...env, ...llm });
      expect(good.code, good.stdout + good.stderr).toBe(0);
      const checks = (JSON.parse(good.stdout) as { checks: Array<{ name: string; status: string }> }).checks;
      expect(Object.fromEntries(checks.map((c) => [c.name, c.status]))).toMatchObject({ temporal: 'ok', store: 'ok', extensions: 'ok', llm: 'ok', disk: 'ok' });
      expect(fake.requests.filter((r) => r.url.includes('/chat/completions'))).toHaveLength(1);
    } finally {
      await fake.close();
    }
    const down = await runCli(['doctor'], { ...env, PERSONAFLOW_LLM_PROVIDER: 'openai', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    expect(down.code).toBe(5);
    expect(down.stdout).toMatch(/FAIL +llm .*\n.*→ check OPENAI_BASE_URL/);
  });

  it('a worker process serves --no-wait runs, serves Prometheus metrics, and shuts down cleanly on SIGTERM', async () => {
    const metricsPort = await freePort();
    const worker = await startCli(['worker'], { ...env, PERSONAFLOW_METRICS_PORT: String(metricsPort) }, /worker serving task queue/);
    try {
      // --force: every stage computed (the earlier tests' checkpoints would supply load, features and train).
      const started = await runCli(['run', '--source', source, '--as-of', AS_OF, '--no-wait', '--force'], env);
      expect(started.code, started.stderr).toBe(0);
      const workflowId = started.stdout.trim();
      expect(workflowId).toMatch(/^profile-run-/);
      // Only the worker process polls: it serves the whole run.
      let status = await runCli(['status', workflowId], env);
      for (let i = 0; !/COMPLETED/.test(status.stdout) && i < 120; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        status = await runCli(['status', workflowId], env);
      }
      expect(status.stdout).toMatch(/COMPLETED/);
      // A waiting `run` serves alongside it: the store is shared by every worker.
      const waited = await runCli(['run', '--source', source, '--as-of', AS_OF], env);
      expect(waited.code, waited.stderr).toBe(0);
      // After its run, the worker's endpoint has the SDK's metrics and ours.
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^temporal_activity_execution_latency\S*\{/m);
      expect(metrics).toMatch(/^personaflow_activity_duration_bucket\{.*activity="loadSources"/m);
      expect(metrics).toMatch(/^personaflow_rows_loaded\{.*table="orders".*\} [1-9]/m);
      expect(metrics).toMatch(/^personaflow_rows_rejected\{.*table="orders"/m);
      expect(metrics).toMatch(/^personaflow_versions_published(\{.*\})? [1-9]/m);
      expect(metrics).toMatch(/^personaflow_reviews\{.*outcome="extracted"/m);
      // The extract child answers the progress query the CLI's ETA line is built from.
      const runId = (JSON.parse((await runCli(['query', '--json', `SELECT run_id FROM runs WHERE workflow_id = '${workflowId}'`], env)).stdout) as Array<{ run_id: string }>)[0]!.run_id;
      const connection = await Connection.connect({ address: inject('temporalAddress') });
      try {
        const progress = await new Client({ connection }).workflow.getHandle(`${workflowId}/extract/${runId}`).query<{ reviews: number; cacheHits: number; pending: number; settled: number }>('extractProgress');
        expect(progress.reviews).toBeGreaterThan(0);
        expect(progress.cacheHits + progress.pending).toBe(progress.reviews);
        expect(progress.settled).toBe(progress.pending);
      } finally {
        await connection.close();
      }
    } finally {
      const exited = new Promise<number | null>((r) => worker.child.once('exit', r));
      worker.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
