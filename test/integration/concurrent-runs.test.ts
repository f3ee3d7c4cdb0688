// Issue 10 item 2: a `personaflow run` command stopped by SIGTERM or SIGINT
// while it waits exits at once with the signal's code (143, 130) and says
// that the run goes on. (Three runs started at once on a fresh store still
// fail: a run reuses the load checkpoint of a concurrent run with the same
// input, which that run's publish then prunes; see the open issue 10.)
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleData } from '../../scripts/sample-data/generate.ts';
import { startCli } from '../support/cli.ts';

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
