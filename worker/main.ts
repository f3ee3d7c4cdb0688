// `personaflow worker`: one long-running worker process; Ctrl-C (SIGINT) or
// SIGTERM finishes in-flight work within the grace time and releases DuckDB.
import { loadConfig } from './config.ts';
import { createPersonaflowWorker, type WorkerQueue } from './create-worker.ts';
import { resolveTemporal } from '../client/temporal.ts';
import { describeCatalog } from '../activities/warehouse/lake.ts';
import { assertQueueOfStore } from './store-id.ts';

export async function runWorker(log: (line: string) => void = console.error, queues: WorkerQueue[] = ['main', 'extract']): Promise<void> {
  const config = loadConfig();
  assertQueueOfStore(config);
  const temporal = await resolveTemporal(config, { detached: true, log });
  const handle = await createPersonaflowWorker(config, temporal.address, { queues });
  const stop = (signal: string) => {
    log(`${signal}: shutting down the worker`);
    handle.shutdown();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  const served = queues.map((q) => (q === 'main' ? config.taskQueue : config.extractTaskQueue)).map((q) => `"${q}"`).join(' and ');
  log(`worker serving task queue ${served} at ${temporal.address}; store ${describeCatalog(config.lake)}`);
  log(`  Temporal SDK log: ${config.logFile}${config.metrics ? `; Prometheus metrics: http://${config.metrics.host}:${config.metrics.port}/metrics` : ''}`);
  await handle.run();
}
