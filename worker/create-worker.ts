import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities } from '../activities/index.ts';
import { createExtractor } from '../activities/llm/create-extractor.ts';
import { createPersonaCardWriter } from '../activities/model/llm-persona-card.ts';
import { Warehouse } from '../activities/warehouse/warehouse.ts';
import { ensureWarehouseSchema } from '../activities/warehouse/schema.ts';
import type { ReviewFeatureExtractor } from '../activities/llm/review-features.ts';
import type { Config } from './config.ts';
import { installRuntime } from './runtime.ts';
import { createMetrics } from './metrics.ts';

const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface PersonaflowWorker {
  worker: Worker;
  warehouse: Warehouse;
  /** Runs until shutdown() (or a signal); releases the DuckDB file and the connection. */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * The single worker process: it owns the DuckDB warehouse file (one writer
 * per file) and serves the `personaflow` task queue.
 */
export async function createPersonaflowWorker(
  config: Config,
  address: string,
  options: { extractor?: ReviewFeatureExtractor; taskQueue?: string } = {},
): Promise<PersonaflowWorker> {
  installRuntime(config); // SDK log to the log file; the Prometheus endpoint when configured
  const warehouse = await Warehouse.open(config.warehousePath);
  let connection: NativeConnection | undefined;
  let extractor: ReviewFeatureExtractor | undefined;
  try {
    await warehouse.withSession(ensureWarehouseSchema);
    extractor = options.extractor ?? createExtractor(config.llm);
    connection = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: options.taskQueue ?? config.taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities({
        warehouse,
        extractor,
        llm: {
          batchSize: config.llm.batchSize,
          concurrency: config.llm.concurrency,
          tokenBudget: config.llm.tokenBudget,
          price: config.llm.price,
        },
        outputsPath: config.outputsPath,
        maxRejectShare: config.maxRejectShare,
        cardWriter: createPersonaCardWriter(config.llm),
        keepVersions: config.keepVersions,
        holdAfterPublishCommit: config.holdAfterPublishCommit,
      }),
      ...(config.metrics ? { interceptors: { activity: [createMetrics().interceptor] } } : {}),
      // DuckDB work is CPU-bound on a 2-core machine: a few activities at once is plenty.
      maxConcurrentActivityTaskExecutions: 4,
      shutdownGraceTime: '10 seconds',
    });
    const conn = connection;
    const ownExtractor = options.extractor ? undefined : extractor;
    return {
      worker,
      warehouse,
      run: async () => {
        try {
          await worker.run();
        } finally {
          await conn.close();
          await closeExtractor(ownExtractor); // the local model's contexts hold native memory
          warehouse.close();
        }
      },
      shutdown: () => worker.shutdown(),
    };
  } catch (error) {
    await connection?.close();
    if (!options.extractor) await closeExtractor(extractor);
    warehouse.close();
    throw error;
  }
}

async function closeExtractor(extractor: ReviewFeatureExtractor | undefined): Promise<void> {
  const closable = extractor as (ReviewFeatureExtractor & { close?: () => Promise<void> }) | undefined;
  await closable?.close?.();
}
