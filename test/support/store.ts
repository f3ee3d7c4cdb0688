import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { embeddedLake } from '../../activities/warehouse/lake.ts';
import { DEFAULT_DUCKDB_MEMORY_LIMIT } from '../../worker/config.ts';

/** A real store (DuckLake with a SQLite catalog) in `dir`, or in a new temp folder, under a worker's default memory limit. */
export function openTestStore(dir = mkdtempSync(join(tmpdir(), 'personaflow-store-'))): Promise<Warehouse> {
  return Warehouse.openLake(embeddedLake(dir), { memoryLimit: DEFAULT_DUCKDB_MEMORY_LIMIT, tempDirectory: join(dir, 'duckdb-tmp') });
}
