// backfillProfiles: a date range as profileRun children, bounded parallelism,
// continue-as-new, progress by query; real worker and Temporal server.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { backfillProfiles, backfillProgressQuery } from '../../workflows/index.ts';
import type { BackfillProgress } from '../../workflows/backfill-types.ts';
import { queryOutputs } from '../../client/outputs-reader.ts';
import { createHarness, type Harness } from '../support/pipeline-harness.ts';
import { runCli } from '../support/cli.ts';

describe('backfillProfiles', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness('backfill', inject('temporalAddress'));
    await h.startWorker();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('publishes one version per day over three past days, continuing as new past its budget', async () => {
    const workflowId = `backfill-${Date.now()}`;
    const handle = await h.client.workflow.start(backfillProfiles, {
      taskQueue: h.taskQueue,
      workflowId,
      // childrenPerRun 2 < 3 days: the workflow must continue as new once.
      args: [{ source: h.source, from: '2026-10-29T00:00:00Z', to: '2026-10-31T00:00:00Z', step: '1 day', parallelism: 2, childrenPerRun: 2 }],
    });
    const seen: BackfillProgress[] = [];
    const poll = setInterval(() => handle.query(backfillProgressQuery).then((p) => seen.push(p), () => undefined), 200);
    const result = await handle.result().finally(() => clearInterval(poll));

    expect(result.total).toBe(3);
    expect(result.completed).toBe(3);
    expect(result.continuedAsNew).toBe(1);
    expect(result.published.map((p) => p.asOf).sort()).toEqual([
      '2026-10-29T00:00:00.000Z',
      '2026-10-30T00:00:00.000Z',
      '2026-10-31T00:00:00.000Z',
    ]);
    // Never more children at once than the parallelism allows.
    for (const p of seen) expect(p.running.length).toBeLessThanOrEqual(2);
    const versions = await queryOutputs(
      h.config.lake,
      `SELECT version, workflow_id, strftime(as_of AT TIME ZONE 'UTC', '%Y-%m-%d') AS day FROM profile_versions ORDER BY day`,
    );
    expect(versions.map((v) => v.day)).toEqual(['2026-10-29', '2026-10-30', '2026-10-31']);
    expect(new Set(versions.map((v) => v.version)).size).toBe(3);
    // Derived child ids: the parent's id and the as-of time.
    expect(versions.map((v) => v.workflow_id)).toEqual([
      `${workflowId}/as-of-2026-10-29T00:00:00.000Z`,
      `${workflowId}/as-of-2026-10-30T00:00:00.000Z`,
      `${workflowId}/as-of-2026-10-31T00:00:00.000Z`,
    ]);
  });

  it('personaflow backfill starts the same workflow from the command line', async () => {
    const started = await runCli(
      ['backfill', '--source', h.source, '--from', '2026-10-20T00:00:00Z', '--to', '2026-10-20T00:00:00Z', '--parallelism', '1'],
      h.env,
    );
    expect(started.code, started.stderr).toBe(0);
    const result = await h.client.workflow.getHandle(started.stdout.trim()).result();
    expect(result).toMatchObject({ total: 1, completed: 1, published: [{ asOf: '2026-10-20T00:00:00.000Z' }] });
    const status = await runCli(['status', started.stdout.trim()], h.env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/COMPLETED/);
    expect(status.stdout).toMatch(/1 of 1 runs published/);
    expect(status.stdout).toMatch(/2026-10-20T00:00:00.000Z\s+\d+/);
    const reversed = await runCli(['backfill', '--source', h.source, '--from', '2026-10-21', '--to', '2026-10-20'], h.env);
    expect(reversed.code).toBe(2); // usage
    expect(reversed.stderr).toContain('--to 2026-10-20 is before --from 2026-10-21');
  });

  it('rejects a bad range at once, naming the field', async () => {
    const error = await h.client.workflow
      .execute(backfillProfiles, {
        taskQueue: h.taskQueue,
        workflowId: `backfill-bad-${Date.now()}`,
        args: [{ source: h.source, from: '2026-10-31T00:00:00Z', to: '2026-10-29T00:00:00Z' }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(String((error as WorkflowFailedError).cause?.message)).toContain('is before from');
  });
});
