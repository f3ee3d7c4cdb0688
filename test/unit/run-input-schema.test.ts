// One schema for profileRun's input, in the CLI and in the startRun activity.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../activities/errors.ts';
import { createStartRun } from '../../activities/run-plan.ts';
import { OfflineExtractor } from '../../activities/llm/offline-extractor.ts';
import type { ActivityDeps } from '../../activities/deps.ts';
import { openTestStore } from '../support/store.ts';
import { startProfileRun } from '../../client/start-run.ts';
import { UsageError } from '../../client/usage-error.ts';
import { loadConfig } from '../../worker/config.ts';
import { describeInvalidInput } from '../../workflows/profile-run-input.ts';
import type { ProfileRunInput } from '../../workflows/types.ts';

describe('profileRun input schema', () => {
  it('accepts what the README documents', () => {
    expect(describeInvalidInput({ source: '/data/shop' })).toBeUndefined();
    expect(
      describeInvalidInput({
        source: '/data/shop', asOf: '2026-11-01T00:00:00Z', maxRejectShare: 0.1, maxExtractFailureShare: 0, k: 6, llmBatchApi: true, force: false,
      }),
    ).toBeUndefined();
  });

  it('names every bad field with its value, and unknown fields', () => {
    expect(describeInvalidInput({ source: '/x', k: 1 })).toBe('invalid profileRun input: k must be an integer from 2 to 50 (got 1)');
    expect(describeInvalidInput({ source: '/x', k: 2.5, force: 'yes', maxRejectShare: 5, kk: 3 })).toBe(
      'invalid profileRun input: maxRejectShare must be from 0 to 1 (got 5); k must be an integer from 2 to 50 (got 2.5); ' +
        'force must be true or false (got "yes"); unknown field(s) "kk"',
    );
    expect(describeInvalidInput({ asOf: 'yesterday' })).toMatch(/^invalid profileRun input: source must be the path .*\(got nothing\); asOf must be an ISO 8601 time/);
  });
});

describe('where the schema is applied', () => {
  it('startRun: writes the runs row first, then fails with a non-retryable InputError naming the field', async () => {
    const store = await openTestStore();
    try {
      const deps = {
        warehouse: store,
        extractor: new OfflineExtractor(),
        llm: { batchSize: 10, concurrency: 1 },
        extractTaskQueue: 'q-extract',
        maxRejectShare: 0.05,
      } as ActivityDeps;
      const startRun = createStartRun(deps);
      const error = await startRun({ runId: 'r1', workflowId: 'w1', asOf: '2026-11-01T00:00:00.000Z', source: '/x', k: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error).toMatchObject({ nonRetryable: true, details: { field: 'k' } });
      const rows = await store.withSession((s) => s.all('SELECT run_id, status FROM runs'));
      expect(rows).toEqual([{ run_id: 'r1', status: 'running' }]); // the workflow then marks it failed
      const plan = await startRun({ runId: 'r2', workflowId: 'w2', asOf: '2026-11-01T00:00:00.000Z', source: '/x', k: 3 });
      expect(plan.settings).toMatchObject({ k: 3, maxRejectShare: 0.05, extractor: 'offline' });
    } finally {
      store.close();
    }
  });

  it('the CLI: refuses before it talks to Temporal', async () => {
    const config = loadConfig({ PERSONAFLOW_HOME: '/tmp/personaflow-unused' });
    const noClient = {} as Client; // never reached
    await expect(startProfileRun(noClient, config, { source: '/x', k: 1 } as ProfileRunInput)).rejects.toThrow(UsageError);
  });
});
