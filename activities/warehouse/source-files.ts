import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { SourceError } from '../errors.ts';
import { SOURCE_TABLES, TABLE_NAMES, type TableName } from './source-tables.ts';

/**
 * Finding each contract table in a source folder. Only names are looked at
 * here; reading is DuckDB's job (read-source.ts).
 */

export type SourceFormat = 'csv' | 'parquet' | 'json';

export interface SourcePart {
  /** Absolute path, handed to DuckDB as a bound parameter. */
  readonly path: string;
  /** Path relative to the source folder, for messages: `orders.csv`, `orders/part-1.csv`. */
  readonly name: string;
}

export interface SourceEntry {
  readonly table: TableName;
  readonly format: SourceFormat;
  /** What the user put there: `orders.csv`, or `orders/` for a folder of parts. */
  readonly name: string;
  readonly isFolder: boolean;
  /** One file, or a folder's parts in name order (that order decides duplicate ids). */
  readonly parts: readonly SourcePart[];
}

export type SourceEntries = Record<TableName, SourceEntry | null>;

const FORMAT_BY_EXTENSION: Record<string, SourceFormat> = {
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.jsonl': 'json',
  '.ndjson': 'json',
};
const EXTENSIONS = Object.keys(FORMAT_BY_EXTENSION);

/**
 * One entry per table: `<table>.csv|.parquet|.jsonl|.ndjson` or a folder
 * `<table>/` of parts. Names are matched exactly (lower case, as in the
 * contract). Anything else in the folder (`_truth/`, README, ...) is ignored.
 */
export async function findSources(sourceDir: string): Promise<SourceEntries> {
  const entries = await listFolder(sourceDir);
  const found = {} as SourceEntries;
  for (const table of TABLE_NAMES) {
    const candidates = entries.filter(
      (e) =>
        (e.isDirectory && e.name === table) ||
        (!e.isDirectory && EXTENSIONS.some((ext) => e.name === `${table}${ext}`)),
    );
    const [first, second] = candidates;
    if (second && first) {
      const names = candidates.map((c) => (c.isDirectory ? `${c.name}/` : c.name)).sort().join(' and ');
      throw new SourceError(`${sourceDir}: more than one source for table ${table}: ${names}; keep one`, { table });
    }
    if (!first) {
      if (SOURCE_TABLES[table].required) {
        const expected = [...EXTENSIONS.map((ext) => `${table}${ext}`), `${table}/`].join(', ');
        throw new SourceError(`${sourceDir}: required table ${table} not found (expected one of ${expected})`, {
          table,
        });
      }
      found[table] = null;
      continue;
    }
    found[table] = first.isDirectory
      ? await partsFolder(table, join(sourceDir, first.name))
      : {
          table,
          format: FORMAT_BY_EXTENSION[extname(first.name)] as SourceFormat,
          name: first.name,
          isFolder: false,
          parts: [{ path: join(sourceDir, first.name), name: first.name }],
        };
  }
  return found;
}

interface FolderEntry {
  name: string;
  isDirectory: boolean;
}

async function listFolder(dir: string): Promise<FolderEntry[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new SourceError(`source folder ${dir} does not exist or is not a folder`, { table: '*', file: dir });
  }
  // Follow symlinks: a user may link a table's file or folder in from elsewhere.
  const dirents = await readdir(dir, { withFileTypes: true });
  return Promise.all(
    dirents.map(async (d) => ({
      name: d.name,
      isDirectory: d.isSymbolicLink() ? ((await stat(join(dir, d.name)).catch(() => undefined))?.isDirectory() ?? false) : d.isDirectory(),
    })),
  );
}

/**
 * A folder of parts: every `*.csv`, `*.parquet`, `*.jsonl`/`*.ndjson` in it, in
 * name order. Hidden and `_`-prefixed files (`_SUCCESS`, `.part-0.crc`, as Spark
 * and Hive write them), other extensions and subfolders are ignored.
 */
async function partsFolder(table: TableName, dir: string): Promise<SourceEntry> {
  const entries = await listFolder(dir);
  const parts = entries
    .filter((e) => !e.isDirectory && !e.name.startsWith('.') && !e.name.startsWith('_'))
    .filter((e) => FORMAT_BY_EXTENSION[extname(e.name)] !== undefined)
    .map((e) => e.name)
    .sort();
  const formats = new Set(parts.map((name) => FORMAT_BY_EXTENSION[extname(name)]));
  if (formats.size === 0) {
    throw new SourceError(`${table}/: folder has no part files (*.csv, *.parquet, *.jsonl or *.ndjson)`, {
      table,
      file: `${table}/`,
    });
  }
  if (formats.size > 1) {
    throw new SourceError(`${table}/: parts mix formats (${[...formats].join(', ')}); use one format per folder`, {
      table,
      file: `${table}/`,
    });
  }
  return {
    table,
    format: [...formats][0] as SourceFormat,
    name: `${table}/`,
    isFolder: true,
    parts: parts.map((name) => ({ path: join(dir, name), name: `${table}/${name}` })),
  };
}
