// Issue 10 item 4: publication and the run's status agree. Once the version
// is committed, a failure to record the publish checkpoint (a disk that fills
// right after the commit) must not fail the run: Temporal, `runs` and the
// published version all say published. The fault is injected into that one
// activity call of an otherwise real worker.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { queryOutputs } from '../../client/outputs-reader.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';

describe('a publish checkpoint that cannot be recorded', () => {
  let h: Harness;
  let refused = 0;

  beforeAll(async () => {
    h = await createHarness('publish-record', inject('temporalAddress'));
    await h.startWorker({
      wrapActivities: (activities) => ({
        ...activities,
        recordCheckpoint: (async (input: Parameters<typeof activities.recordCheckpoint>[0]) => {
          if (input.stage === 'publish') {
            refused++;
            throw ApplicationFailure.nonRetryable('No space left on device (injected)', 'DiskFull');
          }
          return activities.recordCheckpoint(input);
        }) as typeof activities.recordCheckpoint,
      }),
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('leaves the run completed and published, in Temporal and in runs', async () => {
    const workflowId = `publish-record-${Date.now()}`;
    const result = (await h.client.workflow.execute(profileRun, {
      taskQueue: h.taskQueue,
      workflowId,
      args: [{ source: h.source, asOf: SAMPLE_AS_OF }],
    })) as ProfileRunResult;
    expect(refused).toBe(1);
    expect(result.version).toBe(1);
    expect((await h.client.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
    const runs = await queryOutputs(h.config.lake, `SELECT status, version FROM runs WHERE run_id = '${result.runId}'`);
    expect(runs).toEqual([{ status: 'published', version: 1 }]);
    const profiles = await queryOutputs(h.config.lake, 'SELECT count(*) AS n FROM current_profiles');
    expect(Number(profiles[0]!.n)).toBe(result.customers);
  }, 180_000);
});
