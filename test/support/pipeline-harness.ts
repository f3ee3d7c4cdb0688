// A temp PERSONAFLOW_HOME with a small generated sample, an in-process worker
// on a task queue of its own, and a client: what the integration tests share.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../worker/config.ts';
import { createPersonaflowWorker, type PersonaflowWorker } from '../../worker/create-worker.ts';

type WorkerOptions = NonNullable<Parameters<typeof createPersonaflowWorker>[2]>;
import { generateSampleData } from '../../scripts/sample-data/generate.ts';

export const SAMPLE_AS_OF = '2026-11-01T00:00:00.000Z';

export interface Harness {
  home: string;
  source: string;
  config: Config;
  taskQueue: string;
  client: Client;
  /** Environment for a child process (CLI, worker) pointed at the same home, server and queue. */
  env: Record<string, string>;
  /** Starts the in-process worker (tests that run their own worker process skip it); `wrapActivities` injects a fault. */
  startWorker(options?: Pick<WorkerOptions, 'wrapActivities'>): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function createHarness(
  name: string,
  address: string,
  options: { customers?: number; env?: Record<string, string> } = {},
): Promise<Harness> {
  const home = mkdtempSync(join(tmpdir(), `personaflow-${name}-`));
  const taskQueue = `${name}-${process.pid}-${Date.now()}`;
  // The offline rules unless a test asks for another extractor: these tests are
  // about orchestration and the store, and the embedded model extracts 60-140
  // reviews/s on this shared 2-core machine (12 with the shipped engine) (its own tests: test/unit/embedded-*.test.ts,
  // and through Temporal in test/integration/checkpoints.test.ts).
  const env = {
    PERSONAFLOW_HOME: home,
    PERSONAFLOW_TASK_QUEUE: taskQueue,
    TEMPORAL_ADDRESS: address,
    PERSONAFLOW_LLM_PROVIDER: 'offline',
    ...options.env,
  };
  const config = loadConfig(env);
  const source = join(home, 'sample');
  await generateSampleData({ outDir: source, scale: options.customers ?? 200, asOf: new Date(SAMPLE_AS_OF) });
  const client = new Client({ connection: await Connection.connect({ address }) });
  let worker: PersonaflowWorker | undefined;
  let running: Promise<void> | undefined;
  const stopWorker = async () => {
    worker?.shutdown();
    await running;
    worker = undefined;
    running = undefined;
  };
  return {
    home,
    source,
    config,
    taskQueue,
    client,
    env,
    startWorker: async (workerOptions = {}) => {
      worker = await createPersonaflowWorker(config, address, { taskQueue, ...workerOptions });
      running = worker.run();
    },
    stopWorker,
    close: async () => {
      await stopWorker();
      await client.connection.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
