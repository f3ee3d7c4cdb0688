// Schedules made by the CLI start profileRun with the nominal time as as-of:
// the real CLI in a child process, a real worker, the test's Temporal server.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { queryOutputs } from '../../client/outputs-reader.ts';
import { createHarness, type Harness } from '../support/pipeline-harness.ts';
import { runCli } from '../support/cli.ts';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

describe('personaflow schedule', () => {
  let h: Harness;
  const scheduleId = `nightly-${process.pid}-${Date.now()}`;
  const cli = async (...args: string[]) => {
    const out = await runCli(['schedule', ...args], h.env);
    if (out.code !== 0) throw new Error(`schedule ${args.join(' ')} exited ${out.code}: ${out.stderr}`);
    return out.stdout;
  };

  beforeAll(async () => {
    h = await createHarness('schedule', inject('temporalAddress'));
    await h.startWorker();
  });

  afterAll(async () => {
    await h?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    await h?.close();
  });

  /** Waits until the schedule has started n runs, then for their results. */
  async function runsOf(n: number): Promise<Array<{ result: ProfileRunResult; nominal: Date | undefined }>> {
    const handle = h.client.schedule.getHandle(scheduleId);
    for (let i = 0; ; i++) {
      const actions = (await handle.describe()).info.recentActions;
      if (actions.length >= n) {
        return Promise.all(
          actions.slice(0, n).map(async (a) => {
            const wf = h.client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId);
            const result = (await wf.result()) as ProfileRunResult;
            return { result, nominal: (await wf.describe()).typedSearchAttributes.get(SCHEDULED_START) };
          }),
        );
      }
      if (i > 300) throw new Error(`schedule started ${actions.length} of ${n} runs`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  it('creates a paused daily schedule whose action input is the UI JSON', async () => {
    await cli('create', scheduleId, '--source', h.source, '--cron', '0 2 * * *', '--time-zone', 'Europe/Berlin', '--jitter', '5m', '--paused');
    const described = JSON.parse(await cli('describe', scheduleId, '--json'));
    expect(described).toMatchObject({
      scheduleId,
      spec: 'cron 0 2 * * * (Europe/Berlin)',
      timeZone: 'Europe/Berlin',
      jitterMs: 300_000,
      workflowType: 'profileRun',
      taskQueue: h.taskQueue,
      input: { source: h.source },
      overlap: 'BUFFER_ONE',
      catchupWindowMs: 86_400_000,
      paused: true,
    });
    expect(await cli('list')).toContain(scheduleId);
    await cli('unpause', scheduleId);
    expect(JSON.parse(await cli('describe', scheduleId, '--json')).paused).toBe(false);
  });

  it('backfills three past days: three versions, each as of its own nominal time', async () => {
    // Nominal times of "0 2 * * *" in Berlin (UTC+1 in winter) inside the range.
    const out = await cli('backfill', scheduleId, '--from', '2026-10-28T12:00:00Z', '--to', '2026-10-31T12:00:00Z');
    expect(out).toContain('backfill');
    const runs = await runsOf(3);
    const asOfs = runs.map((r) => r.result.asOf).sort();
    expect(asOfs).toEqual(['2026-10-29T01:00:00.000Z', '2026-10-30T01:00:00.000Z', '2026-10-31T01:00:00.000Z']);
    for (const run of runs) expect(run.nominal?.toISOString()).toBe(run.result.asOf);
    const versions = await queryOutputs(
      h.config.lake,
      `SELECT version, strftime(as_of AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S') AS as_of FROM profile_versions ORDER BY version`,
    );
    expect(versions.map((v) => v.as_of)).toEqual(['2026-10-29T01:00:00', '2026-10-30T01:00:00', '2026-10-31T01:00:00']);
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);
  });

  it('trigger starts a run as of the trigger time; pause, delete and a missing id answer clearly', async () => {
    await cli('trigger', scheduleId);
    const [run] = (await runsOf(4)).slice(3);
    expect(run!.nominal).toBeInstanceOf(Date);
    expect(run!.result.asOf).toBe(run!.nominal!.toISOString());

    await cli('pause', scheduleId, '--note', 'maintenance');
    expect(JSON.parse(await cli('describe', scheduleId, '--json'))).toMatchObject({ paused: true, note: 'maintenance' });
    await cli('delete', scheduleId);
    const missing = await runCli(['schedule', 'describe', scheduleId], h.env);
    expect(missing.code).toBe(3); // an unknown schedule id
    expect(missing.stderr).toContain(`no schedule with id ${scheduleId}`);
    const bad = await runCli(['schedule', 'create', 'x', '--source', h.source, '--every', 'often'], h.env);
    expect(bad.code).toBe(2); // usage
    expect(bad.stderr).toContain('--every "often": not a duration');
  });
});
