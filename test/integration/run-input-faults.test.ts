// Issue 10, item 9 against a real Temporal dev server and worker: a bad input
// from the UI fails at once, non-retryable, and a cancelled run does not stay
// 'running' in runs.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withOutputsSession } from '../../client/outputs-reader.ts';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunInput } from '../../workflows/types.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('run-input-faults', inject('temporalAddress'), { customers: 60 });
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

/** The runs row of a workflow's run, as a reader sees it. */
async function runsRow(workflowId: string): Promise<{ status: string; stage: string; error: string | null }> {
  return (await withOutputsSession(h.config.lake, (s) =>
    s.one<{ status: string; stage: string; error: string | null }>('SELECT status, stage, error FROM runs WHERE workflow_id = $1', [workflowId]),
  ))!;
}

describe('profileRun input and cancellation', () => {
  it('fails a UI input of k: 1 at once, non-retryable, naming the field, and marks the run failed', async () => {
    const workflowId = `bad-k-${Date.now()}`;
    // What the Temporal UI sends: JSON, not checked by the CLI.
    const input = { source: h.source, asOf: SAMPLE_AS_OF, k: 1 } as ProfileRunInput;
    const handle = await h.client.workflow.start(profileRun, { taskQueue: h.taskQueue, workflowId, args: [input] });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause?.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InputError', nonRetryable: true });
    expect((cause as Error).message).toBe('invalid profileRun input: k must be an integer from 2 to 50 (got 1)');
    // One attempt of startRun, nothing after it.
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
    expect(scheduled.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)).toEqual(['startRun', 'markRunFailed']);
    const started = (history.events ?? []).find((e) => e.activityTaskStartedEventAttributes);
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(1);
    expect(await runsRow(workflowId)).toMatchObject({ status: 'failed', stage: 'starting', error: expect.stringContaining('k must be an integer') });
  });

  it('marks a cancelled run failed instead of leaving it running', async () => {
    const workflowId = `cancelled-${Date.now()}`;
    const handle = await h.client.workflow.start(profileRun, {
      taskQueue: h.taskQueue,
      workflowId,
      args: [{ source: h.source, asOf: SAMPLE_AS_OF }],
    });
    // Cancel once the run is under way (its runs row exists).
    for (let i = 0; i < 100; i++) {
      const history = await handle.fetchHistory();
      if ((history.events ?? []).some((e) => e.activityTaskCompletedEventAttributes)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await handle.cancel();
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const row = await runsRow(workflowId);
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/cancel/i);
  });
});
