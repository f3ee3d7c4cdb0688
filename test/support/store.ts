import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';
import { embeddedLake } from '../../activities/warehouse/lake.ts';

/** A real store (DuckLake with a SQLite catalog) in `dir`, or in a new temp folder. */
export function openTestStore(dir = mkdtempSync(join(tmpdir(), 'personaflow-store-'))): Promise<Warehouse> {
  return Warehouse.openLake(embeddedLake(dir));
}
