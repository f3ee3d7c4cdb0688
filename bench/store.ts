// `npm run bench -- store [--customers N] [--versions 30] [--keep 20]`: the
// DuckLake store under publication. One run's staging is built once with the
// pipeline's own activities (load, extract, features, train); then `versions`
// publications follow, each from a copy of that staging under a new run id,
// with retention at `keep`, while a reader process (its own DuckDB, one
// read-only attachment, as a notebook) times `SELECT count(*) FROM
// current_profiles` in a loop. Prints publish seconds, reader latency p50/p99,
// reader errors and the lake's disk use at the end.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities/index.ts';
import { embeddedLake, EXTENSION_DIR } from '../activities/warehouse/lake.ts';
import { Warehouse } from '../activities/warehouse/warehouse.ts';
import { ensureWarehouseSchema, runSchema } from '../activities/warehouse/schema.ts';
import { OfflineExtractor } from '../activities/llm/offline-extractor.ts';
import { extractReviews } from '../activities/llm/extract-reviews.ts';
import { generateSampleData } from '../scripts/sample-data/generate.ts';
import type { TrainResult } from '../activities/train.ts';
import { du, quantile, startStoreReader, type Reading } from './measure.ts';

const AS_OF = '2026-11-01T00:00:00.000Z';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function run(args: string[]): Promise<void> {
  const customers = option(args, 'customers', 2000);
  const versions = option(args, 'versions', 30);
  const keep = option(args, 'keep', 20);
  const home = mkdtempSync(join(tmpdir(), 'personaflow-bench-store-'));
  const lake = embeddedLake(home);
  const warehouse = await Warehouse.openLake(lake);
  try {
    await generateSampleData({ outDir: join(home, 'sample'), scale: customers, asOf: new Date(AS_OF) });
    await warehouse.withSession(ensureWarehouseSchema);
    const extractor = new OfflineExtractor();
    const acts = createActivities({
      warehouse,
      extractor,
      llm: { batchSize: 50, concurrency: 1 },
      extractTaskQueue: 'bench-extract',
      maxRejectShare: 0.05,
      keepVersions: keep,
    });
    const env = new MockActivityEnvironment();
    const start = (runId: string) => env.run(acts.startRun, { runId, workflowId: `wf-${runId}`, asOf: AS_OF, source: join(home, 'sample') });
    await start('base');
    await env.run(acts.loadSources, { runId: 'base', source: join(home, 'sample'), asOf: AS_OF });
    await extractReviews({ warehouse, extractor, batchSize: 50, concurrency: 1 }, { runId: 'base', schema: runSchema('base') });
    await env.run(acts.buildFeatures, { runId: 'base', asOf: AS_OF });
    const model = (await env.run(acts.trainSegments, { runId: 'base' })) as TrainResult;

    const reads: Reading[] = [];
    const reader = startStoreReader(lake, EXTENSION_DIR, reads);

    const publishSeconds: number[] = [];
    for (let v = 1; v <= versions; v++) {
      const runId = `bench-${v}`;
      await start(runId);
      await warehouse.withSession((s) =>
        s.transaction(async (tx) => {
          await tx.run(`CREATE SCHEMA IF NOT EXISTS ${runSchema(runId)}`);
          for (const table of ['features', 'assignments', 'segment_cards']) {
            await tx.run(`CREATE OR REPLACE TABLE ${runSchema(runId)}.${table} AS SELECT * FROM ${runSchema('base')}.${table}`);
          }
        }),
      );
      const t0 = performance.now();
      await env.run(acts.publishVersion, { runId, workflowId: `wf-${runId}`, asOf: AS_OF, modelVersion: model.modelVersion, metrics: {} });
      publishSeconds.push((performance.now() - t0) / 1000);
      if (v === 1) while (reads.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    reader.kill('SIGKILL');

    const latencies = reads.filter((r) => r.ms !== undefined).map((r) => r.ms!).sort((a, b) => a - b);
    const sortedPublish = [...publishSeconds].sort((a, b) => a - b);
    const kept = await warehouse.withSession((s) => s.all<{ v: number }>('SELECT DISTINCT version AS v FROM profiles ORDER BY 1'));
    console.log(`store bench: ${customers} customers, ${versions} versions published, retention keeps ${keep}`);
    console.log(`publish: median ${(quantile(sortedPublish, 0.5) ?? NaN).toFixed(2)} s, max ${sortedPublish.at(-1)!.toFixed(2)} s (one DuckLake transaction + retention + snapshot expiry)`);
    console.log(`reader (one read-only attachment, select count(*) from current_profiles): ${latencies.length} queries, p50 ${(quantile(latencies, 0.5) ?? NaN).toFixed(1)} ms, p99 ${(quantile(latencies, 0.99) ?? NaN).toFixed(1)} ms, errors ${reads.filter((r) => r.error).length}`);
    console.log(`kept versions: ${kept.length} (${kept[0]?.v}..${kept.at(-1)?.v})`);
    console.log(`disk: readers' lake data ${(du(lake.dataPath) / 2 ** 20).toFixed(1)} MiB, catalog ${(statSync(lake.catalog.slice('sqlite:'.length)).size / 2 ** 20).toFixed(1)} MiB, work lake data ${(du(lake.work.dataPath) / 2 ** 20).toFixed(1)} MiB`);
  } finally {
    warehouse.close();
    rmSync(home, { recursive: true, force: true });
  }
}
