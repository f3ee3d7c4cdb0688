// Exactly-once publication: a worker process is SIGKILLed right after publish
// committed its version (test hook), a new worker takes over, and the retried
// publish finds the committed version instead of publishing another.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { queryOutputs } from '../../client/outputs-reader.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';
import { startCli, type StartedCli } from '../support/cli.ts';

const READY = /worker serving task queue/;

describe('a worker killed during publish', () => {
  let h: Harness;
  const workers: StartedCli[] = [];

  beforeAll(async () => {
    h = await createHarness('crash', inject('temporalAddress'));
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await h?.close();
  });

  async function stop(worker: StartedCli, signal: NodeJS.Signals): Promise<void> {
    const exited = new Promise((r) => worker.child.once('exit', r));
    worker.child.kill(signal);
    await exited;
  }

  it('killing the worker during publish and restarting it yields exactly one new version', async () => {
    const marker = join(h.home, 'publish-committed');
    const doomed = await startCli(['worker'], { ...h.env, PERSONAFLOW_TEST_HOLD_AFTER_PUBLISH_COMMIT: marker }, READY);
    workers.push(doomed);
    const handle = await h.client.workflow.start(profileRun, {
      taskQueue: h.taskQueue,
      workflowId: `crash-${Date.now()}`,
      args: [{ source: h.source, asOf: SAMPLE_AS_OF }],
    });
    for (let i = 0; !existsSync(marker); i++) {
      if (i > 600) throw new Error(`publish never committed:\n${doomed.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const committed = Number(readFileSync(marker, 'utf8'));
    await stop(doomed, 'SIGKILL'); // after the commit, before the activity could report it

    const successor = await startCli(['worker'], h.env, READY);
    workers.push(successor);
    let result: ProfileRunResult;
    try {
      result = (await handle.result()) as ProfileRunResult;
    } finally {
      await stop(successor, 'SIGTERM');
    }

    expect(result.version).toBe(committed);
    // publishVersion really ran twice: the second attempt found the first's commit.
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);

    const versions = await queryOutputs(h.config.lake, 'SELECT version, run_id FROM profile_versions');
    expect(versions).toEqual([{ version: committed, run_id: result.runId }]);
    const profiles = await queryOutputs(h.config.lake, 'SELECT version, count(*) AS n FROM profiles GROUP BY version');
    expect(profiles).toEqual([{ version: committed, n: result.customers }]);
    const runs = await queryOutputs(h.config.lake, 'SELECT status, version FROM runs');
    expect(runs).toEqual([{ status: 'published', version: committed }]);
  });
});
