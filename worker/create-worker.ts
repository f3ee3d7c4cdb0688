import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, createExtractionActivities, type Activities, type ActivityDeps } from '../activities/index.ts';
import { createExtractor } from '../activities/llm/create-extractor.ts';
import { createPersonaCardWriter } from '../activities/model/llm-persona-card.ts';
import { Warehouse } from '../activities/warehouse/warehouse.ts';
import { ensureWarehouseSchema } from '../activities/warehouse/schema.ts';
import { migrateLegacyWarehouse } from '../activities/warehouse/migrate-legacy.ts';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { ReviewFeatureExtractor } from '../activities/llm/review-features.ts';
import type { Config } from './config.ts';
import { installRuntime } from './runtime.ts';
import { createMetrics } from './metrics.ts';
import { reportsDir } from '../client/report/report-path.ts';

const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface PersonaflowWorker {
  /** The Temporal workers of this process: the main queue's and/or the extraction queue's. */
  workers: Worker[];
  warehouse: Warehouse;
  /** Runs until shutdown() (or a signal); releases the store and the connection. */
  run(): Promise<void>;
  shutdown(): void;
}

/** The task queues a worker process serves: the whole pipeline, review extraction only, or both (default). */
export type WorkerQueue = 'main' | 'extract';

/**
 * A worker process: it attaches the store (the lake, shared with every other
 * worker and reader) and serves the `personaflow` task queue (workflows and
 * every stage) and `personaflow-extract` (review extraction, the costly part,
 * which extraction-only workers on other machines can take too).
 */
export async function createPersonaflowWorker(
  baseConfig: Config,
  address: string,
  options: {
    extractor?: ReviewFeatureExtractor;
    taskQueue?: string;
    queues?: WorkerQueue[];
    log?: (line: string) => void;
    /** Wraps the main queue's activities: tests inject a fault into one activity of an otherwise real worker. */
    wrapActivities?: (activities: Activities) => Activities;
  } = {},
): Promise<PersonaflowWorker> {
  const log = options.log ?? console.error;
  const config = options.taskQueue ? { ...baseConfig, taskQueue: options.taskQueue, extractTaskQueue: `${options.taskQueue}-extract` } : baseConfig;
  const queues = options.queues ?? ['main', 'extract'];
  installRuntime(config); // SDK log to the log file; the Prometheus endpoint when configured
  const interceptors = config.metrics ? { interceptors: { activity: [createMetrics().interceptor] } } : {};
  // Past the limit DuckDB spills to this process's own folder, removed when the worker stops.
  const spill = join(config.duckdb.tempDirectory, String(process.pid));
  const warehouse = await Warehouse.openLake(config.lake, { memoryLimit: config.duckdb.memoryLimit, tempDirectory: spill });
  let connection: NativeConnection | undefined;
  let extractor: ReviewFeatureExtractor | undefined;
  try {
    await warehouse.withSession(async (s) => {
      await ensureWarehouseSchema(s);
      const migrated = await migrateLegacyWarehouse(s, join(config.home, 'warehouse.duckdb'));
      if (migrated) log(`personaflow: copied ${migrated.versions} versions of the earlier release's store into the lake; the old file is now ${migrated.movedTo}`);
    });
    extractor = options.extractor ?? createExtractor(config.llm);
    // TLS and API key only for the cluster the configuration names, never for a dev server.
    const extras = address === config.temporal.address ? config.temporal.connection : {};
    connection = await NativeConnection.connect({ address, ...extras });
    const deps: ActivityDeps = {
      warehouse,
      extractor,
      llm: {
        batchSize: config.llm.batchSize,
        concurrency: config.llm.concurrency,
        tokenBudget: config.llm.tokenBudget,
        price: config.llm.price,
      },
      extractTaskQueue: config.extractTaskQueue,
      reportsDir: reportsDir(config.home),
      maxRejectShare: config.maxRejectShare,
      maxExtractFailureShare: config.maxExtractFailureShare,
      cardWriter: createPersonaCardWriter(config.llm),
      keepVersions: config.keepVersions,
      holdAfterPublishCommit: config.holdAfterPublishCommit,
      holdInStage: config.holdInStage,
    };
    const workers: Worker[] = [];
    if (queues.includes('main')) {
      workers.push(
        await Worker.create({
          connection,
          namespace: config.temporal.namespace,
          taskQueue: config.taskQueue,
          workflowsPath: WORKFLOWS_PATH,
          activities: (options.wrapActivities ?? ((a) => a))(createActivities(deps)),
          ...interceptors,
          // DuckDB work is CPU-bound on a 2-core machine: a few activities at once is plenty.
          maxConcurrentActivityTaskExecutions: 4,
          shutdownGraceTime: '10 seconds',
        }),
      );
    }
    if (queues.includes('extract')) {
      workers.push(
        await Worker.create({
          connection,
          namespace: config.temporal.namespace,
          taskQueue: config.extractTaskQueue,
          activities: createExtractionActivities(deps),
          ...interceptors,
          // Each range runs its own concurrent LLM requests (PERSONAFLOW_LLM_CONCURRENCY).
          maxConcurrentActivityTaskExecutions: 2,
          shutdownGraceTime: '10 seconds',
        }),
      );
    }
    const conn = connection;
    const ownExtractor = options.extractor ? undefined : extractor;
    return {
      workers,
      warehouse,
      run: async () => {
        try {
          // One queue's worker failing stops the others, so the process ends instead of half-serving.
          const stopOthers = (error: unknown) => {
            for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
            throw error;
          };
          await Promise.all(workers.map((w) => w.run().catch(stopOthers)));
        } finally {
          await conn.close();
          await closeExtractor(ownExtractor); // the local model's contexts hold native memory
          warehouse.close();
          rmSync(spill, { recursive: true, force: true });
        }
      },
      shutdown: () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()),
    };
  } catch (error) {
    await connection?.close();
    if (!options.extractor) await closeExtractor(extractor);
    warehouse.close();
    rmSync(spill, { recursive: true, force: true });
    throw error;
  }
}

async function closeExtractor(extractor: ReviewFeatureExtractor | undefined): Promise<void> {
  const closable = extractor as (ReviewFeatureExtractor & { close?: () => Promise<void> }) | undefined;
  await closable?.close?.();
}
