// Runs in flight survive a deploy: histories saved from release 0.1 (before
// run plans) and from this release replay against today's workflow code
// without nondeterminism. The 0.1 histories were produced by that release's
// worker; the current ones are made here, by a real run, and saved again.
import { describe, expect, inject, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { profileRun } from '../../workflows/index.ts';
import { EXTRACT_QUEUE_PATCH, RANGE_SIZE_PATCH } from '../../workflows/extract-reviews.ts';
import { createHarness, SAMPLE_AS_OF } from '../support/pipeline-harness.ts';

const HISTORIES = fileURLToPath(new URL('../histories/', import.meta.url));
const WORKFLOWS = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

function saved(prefix: string): Array<{ workflowId: string; history: temporal.api.history.v1.IHistory }> {
  return readdirSync(HISTORIES)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => {
      const saved = JSON.parse(readFileSync(join(HISTORIES, f), 'utf8'));
      // Saved as the SDK's history object (JSON.stringify); 0.2 files also name the original workflow id.
      const history = temporal.api.history.v1.History.fromObject(saved.history ?? saved);
      return { workflowId: saved.workflowId ?? f.replace(/\.json$/, ''), history };
    });
}

async function replayAll(histories: ReturnType<typeof saved>): Promise<string[]> {
  const errors: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS }, histories)) {
    if (result.error) errors.push(`${result.workflowId}: ${result.error.message}`);
  }
  return errors;
}

describe('workflow replay across releases', () => {
  it('replays the histories of release 0.1 (a run, a run that reused checkpoints, a failed run)', async () => {
    const histories = saved('profile-run-release-0.1.0');
    expect(histories.map((h) => h.workflowId).sort()).toEqual([
      'profile-run-release-0.1.0',
      'profile-run-release-0.1.0-failed',
      'profile-run-release-0.1.0-reused',
    ]);
    expect(await replayAll(histories)).toEqual([]);
  });

  it('replays this release histories, and saves them for the next release to replay', async () => {
    const h = await createHarness('replay', inject('temporalAddress'), { customers: 150 });
    try {
      await h.startWorker();
      const made: ReturnType<typeof saved> = [];
      for (const [suffix, args] of [
        ['', { source: h.source, asOf: SAMPLE_AS_OF }],
        ['-reused', { source: h.source, asOf: SAMPLE_AS_OF }],
        ['-failed', { source: join(h.home, 'missing') }],
      ] as const) {
        const handle = await h.client.workflow.start(profileRun, { taskQueue: h.taskQueue, workflowId: `profile-run-release-0.2.0${suffix}-${Date.now()}`, args: [args] });
        await handle.result().catch(() => undefined);
        made.push({ workflowId: handle.workflowId, history: await handle.fetchHistory() });
      }
      const reused = made[1]!.history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'reuseCheckpoint');
      expect(reused.length).toBe(3); // the second run took load, features and train from the first one's checkpoints
      expect(await replayAll(made)).toEqual([]);
      if (process.env.PERSONAFLOW_SAVE_HISTORIES === '1') {
        made.forEach(({ workflowId, history }, i) => {
          const name = `profile-run-release-0.2.0${['', '-reused', '-failed'][i]}`;
          writeFileSync(join(HISTORIES, `${name}.json`), JSON.stringify({ workflowId, history }));
        });
      }
    } finally {
      await h.close();
    }
  });

  it('replays an extraction child saved before ranges grew with the plan (issue 12), which kept 500 groups per range', async () => {
    const histories = saved('extract-reviews-before-range-size-patch');
    expect(histories.length).toBe(1);
    const events = histories[0]!.history.events ?? [];
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'extractReviewRange').length).toBeGreaterThan(0);
    const patches = events.flatMap((e) => {
      const id = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return id ? [Buffer.from(id).toString()] : [];
    });
    expect(patches.join()).toContain(EXTRACT_QUEUE_PATCH);
    expect(patches.join()).not.toContain(RANGE_SIZE_PATCH);
    expect(await replayAll(histories)).toEqual([]);
  });

  it('replays the saved histories of this release', async () => {
    const histories = saved('profile-run-release-0.2.0');
    expect(histories.length).toBe(3);
    expect(await replayAll(histories)).toEqual([]);
  });
});
