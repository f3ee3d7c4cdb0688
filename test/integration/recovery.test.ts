// Recovery after a crash or an outage, with real processes: a `personaflow
// worker` SIGKILLed in the middle of load and restarted 5 s later, and the
// Temporal dev server SIGKILLed while load's completion is on its way and
// restarted on the same port and SQLite file. Both runs must finish, publish
// exactly one version, and move on within 60 s of the restart (the 30 s
// heartbeat timeout: workflows/heartbeat-timeout.ts). The stage is held by the
// test hook PERSONAFLOW_TEST_HOLD_IN_STAGE (heartbeating, as during one long
// DuckDB statement), so the fault lands in the stage every time.
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { queryOutputs } from '../../client/outputs-reader.ts';
import { ensureDevServer, readDevServerRecord, stopDetachedDevServer } from '../../client/dev-server.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';
import { startCli, type StartedCli } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';

const READY = /worker serving task queue/;
const GOAL_SECONDS = 60;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForFile(path: string, what: string, output: () => string): Promise<string> {
  for (let i = 0; !existsSync(path); i++) {
    if (i > 900) throw new Error(`${what} never happened:\n${output()}`);
    await sleep(100);
  }
  return readFileSync(path, 'utf8');
}

function eventMs(e: HistoryEvent): number {
  const t = e.eventTime!;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** The started event of the named activity (written with its last attempt's number and start time). */
function startedEvent(events: HistoryEvent[], activityType: string): HistoryEvent {
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType)!;
  return events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled.eventId))!;
}

async function stop(process: StartedCli, signal: NodeJS.Signals): Promise<void> {
  if (process.child.exitCode !== null || process.child.signalCode !== null) return;
  const exited = new Promise((r) => process.child.once('exit', r));
  process.child.kill(signal);
  await exited;
}

async function expectOnePublishedVersion(h: Harness, result: ProfileRunResult): Promise<void> {
  const versions = await queryOutputs(h.config.lake, 'SELECT version, run_id FROM profile_versions');
  expect(versions).toEqual([{ version: result.version, run_id: result.runId }]);
  const profiles = await queryOutputs(h.config.lake, 'SELECT count(*) AS n FROM profiles');
  expect(profiles).toEqual([{ n: result.customers }]);
  const runs = await queryOutputs(h.config.lake, 'SELECT status, version FROM runs');
  expect(runs).toEqual([{ status: 'published', version: result.version }]);
  // A redone load replaced its rejects: rows read = loaded + rejected + after as-of, once.
  const rejected = await queryOutputs(h.config.lake, 'SELECT count(*) AS n FROM rejected_rows');
  const counted = Object.values(result.tables).reduce((sum, t) => sum + (t?.rejected ?? 0), 0);
  expect(rejected).toEqual([{ n: counted }]);
}

describe('recovery after a crash or an outage', () => {
  const processes: StartedCli[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  afterEach(async () => {
    for (const p of processes.splice(0)) await stop(p, 'SIGKILL');
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  afterAll(async () => {
    for (const p of processes) await stop(p, 'SIGKILL');
  });

  it('a worker SIGKILLed during load and restarted 5 s later: the load is retried within 60 s and the run publishes once', async () => {
    const h = await createHarness('recover-worker', inject('temporalAddress'));
    cleanups.push(() => h.close());
    const marker = join(h.home, 'load-held');
    const doomed = await startCli(['worker'], { ...h.env, PERSONAFLOW_TEST_HOLD_IN_STAGE: `load:forever:${marker}` }, READY);
    processes.push(doomed);
    const handle = await h.client.workflow.start(profileRun, {
      taskQueue: h.taskQueue,
      workflowId: `recover-worker-${Date.now()}`,
      args: [{ source: h.source, asOf: SAMPLE_AS_OF }],
    });
    await waitForFile(marker, 'load', doomed.output); // load's staging is written; the activity heartbeats on
    await stop(doomed, 'SIGKILL');
    await sleep(5_000);

    const restartedAt = Date.now();
    const successor = await startCli(['worker'], h.env, READY);
    processes.push(successor);
    const result = (await handle.result()) as ProfileRunResult;

    const events = (await handle.fetchHistory()).events ?? [];
    const load = startedEvent(events, 'loadSources');
    expect(load.activityTaskStartedEventAttributes!.attempt).toBe(2);
    const recoverySeconds = (eventMs(load) - restartedAt) / 1000;
    console.log(`worker SIGKILL in load: the retry started ${recoverySeconds.toFixed(1)} s after the new worker was started`);
    expect(recoverySeconds).toBeLessThan(GOAL_SECONDS);
    await expectOnePublishedVersion(h, result);
  });

  it('the dev server SIGKILLed for 25 s while load completes: the run goes on within 60 s of the restart and publishes once', async () => {
    const serverHome = mkdtempSync(join(tmpdir(), 'personaflow-outage-server-'));
    cleanups.push(async () => {
      stopDetachedDevServer(serverHome);
      await sleep(500);
      rmSync(serverHome, { recursive: true, force: true });
    });
    const ports = { port: await freePort(), uiPort: await freePort() };
    const startServer = () => ensureDevServer({ home: serverHome, ...ports, portsFixed: true, namespace: 'default', detached: true });
    const server = await startServer();

    const h = await createHarness('recover-outage', server.address);
    cleanups.push(() => h.close());
    const marker = join(h.home, 'load-held');
    // Load holds 4 s after its work, so it completes while the server is down.
    const worker = await startCli(['worker'], { ...h.env, PERSONAFLOW_TEST_HOLD_IN_STAGE: `load:4000:${marker}` }, READY);
    processes.push(worker);
    const workflowId = `recover-outage-${Date.now()}`;
    await h.client.workflow.start(profileRun, { taskQueue: h.taskQueue, workflowId, args: [{ source: h.source, asOf: SAMPLE_AS_OF }] });
    await waitForFile(marker, 'load', worker.output);

    process.kill(readDevServerRecord(serverHome)!.pid, 'SIGKILL');
    await sleep(25_000);
    const restartedAt = Date.now();
    await startServer();

    const handle = h.client.workflow.getHandle(workflowId);
    const result = (await handle.result()) as ProfileRunResult;
    expect(worker.child.exitCode).toBeNull(); // the worker rode out the outage

    const events = (await handle.fetchHistory()).events ?? [];
    const firstAfter = events.find((e) => eventMs(e) >= restartedAt);
    expect(firstAfter).toBeDefined();
    const recoverySeconds = (eventMs(firstAfter!) - restartedAt) / 1000;
    const load = startedEvent(events, 'loadSources');
    console.log(
      `dev server outage of 25 s in load: the run moved on ${recoverySeconds.toFixed(1)} s after the restart ` +
        `(load finished on attempt ${load.activityTaskStartedEventAttributes!.attempt})`,
    );
    expect(recoverySeconds).toBeLessThan(GOAL_SECONDS);
    await expectOnePublishedVersion(h, result);
  });
});
