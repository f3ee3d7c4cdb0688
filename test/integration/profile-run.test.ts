// End to end: the sample data through a real worker, a real Temporal dev
// server (global setup) and real DuckDB files.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../worker/config.ts';
import { createPersonaflowWorker, type PersonaflowWorker } from '../../worker/create-worker.ts';
import { generateSampleData } from '../../scripts/sample-data/generate.ts';
import { profileRun } from '../../workflows/index.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { queryOutputs } from '../../client/outputs-reader.ts';

const AS_OF = '2026-11-01T00:00:00.000Z';

describe('profileRun end to end', () => {
  let home: string;
  let config: Config;
  let worker: PersonaflowWorker;
  let running: Promise<void>;
  let client: Client;
  let source: string;
  const taskQueue = `e2e-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'personaflow-e2e-'));
    // The offline rules: the embedded default (about 60-140 reviews/s with the
    // fast e5 helper on this shared machine, 12 with the shipped engine) would
    // spend most of the test timeout on the 'small' sample's 3,355 reviews; the embedded extractor is tested in test/unit/embedded-extractor.test.ts.
    config = loadConfig({ PERSONAFLOW_HOME: home, PERSONAFLOW_LLM_PROVIDER: 'offline' });
    source = join(home, 'sample');
    await generateSampleData({ outDir: source, scale: 'small', asOf: new Date(AS_OF) });
    worker = await createPersonaflowWorker(config, inject('temporalAddress'), { taskQueue });
    running = worker.run();
    client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await client?.connection.close();
    rmSync(home, { recursive: true, force: true });
  });

  const run = (workflowId: string) =>
    client.workflow.execute(profileRun, {
      taskQueue,
      workflowId,
      args: [{ source, asOf: AS_OF }],
    }) as Promise<ProfileRunResult>;

  it('publishes version 1 with every customer in a segment, then version 2 beside it', async () => {
    const customersInData = readFileSync(join(source, 'customers.csv'), 'utf8').trim().split('\n').length - 1;

    const first = await run(`e2e-first-${Date.now()}`);
    expect(first.version).toBe(1);
    expect(first.customers).toBe(customersInData);
    expect(first.asOf).toBe(AS_OF);
    expect(first.tables.customers?.rejected).toBe(0);
    expect(first.tables.orders?.rejected).toBeGreaterThan(0); // the sample plants bad rows
    expect(first.extraction.extractor).toBe('offline');
    expect(first.extraction.reviews).toBeGreaterThan(0);
    expect(first.segments.reduce((n, s) => n + s.size, 0)).toBe(customersInData);

    const profiles = await queryOutputs(
      config.lake,
      `SELECT count(*) AS n, count(DISTINCT customer_id) AS distinct_customers,
              count(*) FILTER (WHERE segment_id IS NULL OR segment_name IS NULL) AS unsegmented
       FROM current_profiles`,
    );
    expect(profiles[0]).toEqual({ n: customersInData, distinct_customers: customersInData, unsegmented: 0 });
    const versions = await queryOutputs(config.lake, 'SELECT version, run_id, workflow_id FROM profile_versions');
    expect(versions).toEqual([{ version: 1, run_id: first.runId, workflow_id: first.workflowId }]);
    const rejected = await queryOutputs(
      config.lake,
      `SELECT count(*) AS n FROM rejected_rows WHERE run_id = '${first.runId}'`,
    );
    expect(rejected[0]!.n).toBe(
      Object.values(first.tables).reduce((n, t) => n + (t?.rejected ?? 0), 0),
    );

    // Second run: same data, next version; the first stays queryable, and no
    // review is extracted twice.
    const second = await run(`e2e-second-${Date.now()}`);
    expect(second.version).toBe(2);
    expect(second.extraction.extracted).toBe(0);
    expect(second.extraction.cacheHits).toBe(first.extraction.reviews - first.extraction.failed);
    const byVersion = await queryOutputs(
      config.lake,
      'SELECT version, count(*) AS n FROM profiles GROUP BY version ORDER BY version',
    );
    expect(byVersion).toEqual([
      { version: 1, n: customersInData },
      { version: 2, n: customersInData },
    ]);
    const current = await queryOutputs(config.lake, 'SELECT DISTINCT version FROM current_profiles');
    expect(current).toEqual([{ version: 2 }]);
    const runs = await queryOutputs(config.lake, `SELECT status, version FROM runs ORDER BY version`);
    expect(runs).toEqual([
      { status: 'published', version: 1 },
      { status: 'published', version: 2 },
    ]);
  });

  it('fails a run at once, naming file and column, when a required column is missing', async () => {
    const bad = join(home, 'bad-source');
    await generateSampleData({ outDir: bad, scale: 50, asOf: new Date(AS_OF) });
    const csv = readFileSync(join(bad, 'customers.csv'), 'utf8').replace(/^customer_id,/, 'id,');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(bad, 'customers.csv'), csv);
    const error = await client.workflow
      .execute(profileRun, { taskQueue, workflowId: `e2e-bad-${Date.now()}`, args: [{ source: bad, asOf: AS_OF }] })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    let cause = error as Error;
    while (cause.cause instanceof Error) cause = cause.cause;
    expect(cause.message).toMatch(/customers\.csv/);
    expect(cause.message).toMatch(/customer_id/);
  });
});
