// Issue 10 item 2: `personaflow run` commands at once, with no worker process.
// Three on a fresh store with the same input all publish: each CLI serves
// from its own in-process worker until its own run ends. (Whether one of them
// plans to reuse another's load checkpoint depends on timing; the reuse that
// must survive a concurrent run's replace and prune is pinned down in
// test/unit/planned-reuse.test.ts.) A command stopped by
// SIGTERM or SIGINT while it waits exits at once with the signal's code
// (143, 130) and says that the run goes on.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleData } from '../../scripts/sample-data/generate.ts';
import { runCli, startCli } from '../support/cli.ts';

const AS_OF = '2026-11-01T00:00:00Z';

describe('concurrent run commands', () => {
  let root: string;
  let source: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'personaflow-concurrent-'));
    source = join(root, 'source');
    await generateSampleData({ outDir: source, scale: 200, asOf: new Date(AS_OF) });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const envFor = (name: string): NodeJS.ProcessEnv => ({
    PERSONAFLOW_HOME: join(root, name),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    PERSONAFLOW_TASK_QUEUE: `concurrent-${name}-${process.pid}-${Date.now()}`,
    PERSONAFLOW_LLM_PROVIDER: 'offline',
  });

  it('three run commands at once on a fresh store with the same input, and no worker process, all publish', async () => {
    const env = envFor('three');
    const outcomes = await Promise.all([0, 1, 2].map(() => runCli(['run', '--source', source, '--as-of', AS_OF, '--json'], env)));
    for (const o of outcomes) expect(o.code, o.stderr).toBe(0);
    const versions = outcomes.map((o) => (JSON.parse(o.stdout) as { version: number }).version).sort();
    expect(versions).toEqual([1, 2, 3]);
    const customers = outcomes.map((o) => (JSON.parse(o.stdout) as { customers: number }).customers);
    expect(new Set(customers).size).toBe(1);
    const runs = await runCli(['query', "SELECT status, count(*) AS n FROM runs GROUP BY 1", '--json'], env);
    expect(JSON.parse(runs.stdout)).toEqual([{ status: 'published', n: 3 }]);
  }, 300_000);

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`a run command stopped with ${signal} exits ${code} at once and says what happened to the run`, async () => {
      const env = { ...envFor(signal.toLowerCase()), PERSONAFLOW_TEST_HOLD_IN_STAGE: `load:60000:${join(root, `${signal}.marker`)}` };
      const cli = await startCli(['run', '--source', source, '--as-of', AS_OF], env, /started workflow/);
      const exited = new Promise<number | null>((resolve) => cli.child.once('exit', (c) => resolve(c)));
      const sent = Date.now();
      cli.child.kill(signal);
      expect(await exited).toBe(code);
      expect(Date.now() - sent).toBeLessThan(20_000);
      expect(cli.output()).toMatch(/stopped by SIG(TERM|INT).*keeps running on Temporal/s);
    }, 120_000);
  }
});
