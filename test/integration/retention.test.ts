// Retention keeps the last N versions plus pinned ones; the CLI pins through
// the running worker, and reads one customer and exports a version as Parquet.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { queryOutputs } from '../../client/outputs-reader.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { createHarness, SAMPLE_AS_OF, type Harness } from '../support/pipeline-harness.ts';
import { runCli } from '../support/cli.ts';

describe('retention, pins, profile and export', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness('retention', inject('temporalAddress'), { env: { PERSONAFLOW_KEEP_VERSIONS: '2' } });
    await h.startWorker();
  });

  afterAll(async () => {
    await h?.close();
  });

  const run = (n: number) =>
    h.client.workflow.execute(profileRun, {
      taskQueue: h.taskQueue,
      workflowId: `retention-${n}-${Date.now()}`,
      args: [{ source: h.source, asOf: SAMPLE_AS_OF }],
    }) as Promise<ProfileRunResult>;
  const cli = (...args: string[]) => runCli(args, h.env);

  it('keeps the newest two versions and the pinned one; profile and export read the kept ones', async () => {
    const first = await run(1);
    const pin = await cli('version', 'pin', String(first.version));
    expect(pin.code, pin.stderr).toBe(0);
    expect(pin.stdout).toContain(`version ${first.version} pinned`);
    for (const n of [2, 3, 4]) await run(n);

    const kept = await queryOutputs(h.config.lake, 'SELECT DISTINCT version FROM profiles ORDER BY 1');
    expect(kept.map((r) => r.version)).toEqual([1, 3, 4]);
    const history = await queryOutputs(h.config.lake, 'SELECT count(*) AS n FROM profile_versions');
    expect(history[0]!.n).toBe(4); // the history of what was published stays

    const lost = await cli('version', 'pin', '2');
    expect(lost.code).toBe(3); // the version is gone: data
    expect(lost.stderr).toContain('version 2 was already removed by retention');

    const customerId = readFileSync(join(h.source, 'customers.csv'), 'utf8').split('\n')[1]!.split(',')[0]!;
    const profile = await cli('profile', customerId, '--json');
    expect(profile.code, profile.stderr).toBe(0);
    expect(JSON.parse(profile.stdout).map((r: { version: number }) => r.version)).toEqual([1, 3, 4]);
    const unknown = await cli('profile', 'no-such-customer');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('no profile for customer no-such-customer');

    const out = join(h.home, 'v3.parquet');
    const exported = await cli('export', '--version', '3', '--out', out);
    expect(exported.code, exported.stderr).toBe(0);
    const reader = await Warehouse.open(':memory:');
    try {
      const rows = await reader.withSession((s) =>
        s.all(`SELECT count(*) AS n, min(version) AS v, max(version) AS w FROM read_parquet($1)`, [out]),
      );
      expect(rows).toEqual([{ n: first.customers, v: 3, w: 3 }]);
    } finally {
      reader.close();
    }
    const gone = await cli('export', '--version', '2', '--out', join(h.home, 'v2.parquet'));
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('removed by retention');

    const unpin = await cli('version', 'unpin', '1');
    expect(unpin.code, unpin.stderr).toBe(0);
    await run(5);
    const after = await queryOutputs(h.config.lake, 'SELECT DISTINCT version FROM profiles ORDER BY 1');
    expect(after.map((r) => r.version)).toEqual([4, 5]);
  });
});
