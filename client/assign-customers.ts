import { extname } from 'node:path';
import { existsSync } from 'node:fs';
import type { Session } from '../activities/warehouse/warehouse.ts';
import { literal } from '../activities/warehouse/sql-quote.ts';
import type { FeatureRow } from '../activities/model/feature-row.ts';
import { applyModel, parseModelArtifact } from '../activities/model/model-artifact.ts';
import { UsageError } from './usage-error.ts';
import { DataError } from './cli-errors.ts';

/**
 * Assigns customers to segments with a stored model version, without
 * re-clustering: the artifact's fills, scaler and centroids (model-artifact.ts).
 * Feature rows come from a CSV/Parquet file with the features table's columns
 * (customer_id plus every feature of the model's spec), or from the published
 * profiles of the given customers (their newest version).
 */
export type AssignSource = { file: string } | { customers: string[] };

export interface Assignment {
  customer_id: string;
  segment_id: number;
  /** The segment's persona name in the newest version published with this model, if any. */
  segment_name: string | null;
}

async function loadArtifact(s: Session, modelVersion: string) {
  const row = await s.one<{ artifact: string }>('SELECT artifact::VARCHAR AS artifact FROM model_versions WHERE model_version = $1', [
    modelVersion,
  ]);
  if (!row) throw new DataError(`model version ${modelVersion} not found (see: personaflow query "SELECT model_version FROM model_versions")`);
  try {
    return parseModelArtifact(row.artifact);
  } catch (error) {
    throw new DataError(`model version ${modelVersion} cannot be applied: ${(error as Error).message}`);
  }
}

function readerFor(file: string): string {
  const ext = extname(file).toLowerCase();
  if (ext === '.parquet') return `read_parquet(${literal(file)})`;
  if (ext === '.csv') return `read_csv(${literal(file)}, header = true)`;
  throw new UsageError(`${file}: expected a .csv or .parquet file`);
}

async function rowsFrom(s: Session, source: AssignSource): Promise<Array<FeatureRow & Record<string, unknown>>> {
  if ('file' in source) {
    if (!existsSync(source.file)) throw new UsageError(`${source.file}: no such file`);
    return s.all<FeatureRow & Record<string, unknown>>(`SELECT * FROM ${readerFor(source.file)}`);
  }
  const rows = await s.all<FeatureRow & Record<string, unknown>>(
    `SELECT * FROM profiles WHERE list_contains($ids::VARCHAR[], customer_id)
     QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY version DESC) = 1
     ORDER BY customer_id`,
    { ids: JSON.stringify(source.customers) },
  );
  const found = new Set(rows.map((r) => r.customer_id));
  const missing = source.customers.filter((id) => !found.has(id));
  if (missing.length > 0) throw new DataError(`no published profile for customer(s) ${missing.slice(0, 5).join(', ')}`);
  return rows;
}

export async function assignCustomers(s: Session, modelVersion: string, source: AssignSource): Promise<Assignment[]> {
  const artifact = await loadArtifact(s, modelVersion);
  const rows = await rowsFrom(s, source);
  const first = rows[0];
  if (first !== undefined) {
    const absent = ['customer_id', ...artifact.features.map((f) => f.name)].filter((name) => !(name in first));
    if (absent.length > 0) throw new DataError(`the input has no column ${absent.join(', ')} (the model needs every feature of its spec)`);
  }
  let segments: number[];
  try {
    segments = applyModel(artifact, rows);
  } catch (error) {
    throw new DataError(`cannot assign: ${(error as Error).message}`);
  }
  const names = new Map(
    (
      await s.all<{ segment_id: number; name: string }>(
        `SELECT segment_id, name FROM segments
         WHERE version = (SELECT max(version) FROM profile_versions WHERE model_version = $1)`,
        [modelVersion],
      )
    ).map((r) => [r.segment_id, r.name]),
  );
  return rows.map((row, i) => ({
    customer_id: String(row.customer_id),
    segment_id: segments[i]!,
    segment_name: names.get(segments[i]!) ?? null,
  }));
}
