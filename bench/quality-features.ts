import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedLake } from '../activities/warehouse/lake.ts';
import { Warehouse } from '../activities/warehouse/warehouse.ts';
import { ensureWarehouseSchema, runSchema } from '../activities/warehouse/schema.ts';
import { loadSources } from '../activities/warehouse/load-sources.ts';
import { buildFeaturesSql } from '../activities/warehouse/features-sql.ts';
import { extractReviews } from '../activities/llm/extract-reviews.ts';
import { OfflineExtractor } from '../activities/llm/offline-extractor.ts';
import { promptVersionOf } from '../activities/llm/review-features.ts';
import type { FeatureRow } from '../activities/model/feature-row.ts';

/**
 * The pipeline's own load → extract (offline) → features code on a sample
 * folder, in a store of its own in a temp folder and without Temporal, so segmentation quality
 * is measured on exactly the rows a run would train on.
 */
export interface SampleFeatures {
  rows: FeatureRow[];
  /** Planted persona per customer id (from _truth/personas.csv). */
  truth: Map<string, string>;
}

export async function sampleFeatures(sourceDir: string, asOf: string): Promise<SampleFeatures> {
  return { rows: await pipelineFeatures(sourceDir, asOf), truth: readTruth(sourceDir) };
}

/** The feature rows a run would train on, for any source folder. */
export async function pipelineFeatures(sourceDir: string, asOf: string): Promise<FeatureRow[]> {
  const home = mkdtempSync(join(tmpdir(), 'personaflow-quality-'));
  const warehouse = await Warehouse.openLake(embeddedLake(home));
  try {
    const runId = `quality-${sourceDir}`;
    const schema = runSchema(runId);
    await warehouse.withSession(async (s) => {
      await ensureWarehouseSchema(s);
      await loadSources(s, { runId, schema, sourceDir, asOf: new Date(asOf), maxRejectShare: 0.05 });
    });
    const extractor = new OfflineExtractor();
    await extractReviews({ warehouse, extractor, batchSize: 50, concurrency: 1 }, { runId, schema });
    const rows = await warehouse.withSession(async (s) => {
      await s.run(buildFeaturesSql(schema), {
        as_of: asOf,
        extractor: extractor.name,
        model: extractor.model,
        prompt_version: promptVersionOf(extractor),
      });
      return s.all<FeatureRow & Record<string, unknown>>(`SELECT * FROM ${schema}.features ORDER BY customer_id`);
    });
    return rows;
  } finally {
    warehouse.close();
    rmSync(home, { recursive: true, force: true });
  }
}

function readTruth(sourceDir: string): Map<string, string> {
  const truth = new Map<string, string>();
  const lines = readFileSync(join(sourceDir, '_truth', 'personas.csv'), 'utf8').trim().split('\n').slice(1);
  for (const line of lines) {
    const [id, persona] = line.split(',');
    if (id && persona) truth.set(id, persona);
  }
  return truth;
}
