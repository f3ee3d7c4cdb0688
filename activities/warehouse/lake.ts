import { DuckDBInstance } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../project-root.ts';
import { ConfigError, StoreUnavailableError } from '../errors.ts';
import { literal as quoteLiteral } from './sql-quote.ts';
import { verifiedAtInstall } from './extension-trust.ts';
import { conflictPause, isCommitConflict } from './lake-conflicts.ts';
import { assertWritable } from './writable-paths.ts';

/**
 * Where the store lives: a DuckLake, i.e. a catalog database (SQLite on one
 * machine, PostgreSQL for many) plus a folder of Parquet data files that every
 * process using the store reaches. Every worker and every reader attaches the
 * same lake, so any worker can run any stage and readers need no copy.
 */
export interface LakeConfig {
  /** `sqlite:<file>` or `postgres:<libpq connection string>`. */
  catalog: string;
  /** Folder (or object-store URL) of the data files; fixed when the lake is created. */
  dataPath: string;
  /**
   * The workers' own lake for per-run staging (raw customer rows, review
   * text): a second DuckLake that readers never attach, whose snapshots are
   * expired as soon as a run's staging is dropped. Kept apart so the readers'
   * lake holds no raw data and its kept snapshots never pin staging files.
   */
  work: { catalog: string; dataPath: string; metadataSchema?: string };
}

/** The names the lakes are attached under in every process. */
export const LAKE = 'lake';
export const WORK = 'work';

/** Extensions come from the project's own folder (scripts/duckdb-extensions.mjs), never from the network. */
export const EXTENSION_DIR = process.env.PERSONAFLOW_DUCKDB_EXTENSIONS ?? join(PROJECT_ROOT, '.tools', 'duckdb-extensions');

export type CatalogKind = 'sqlite' | 'postgres';

export function catalogKind(lake: LakeConfig): CatalogKind {
  if (lake.catalog.startsWith('sqlite:')) return 'sqlite';
  if (lake.catalog.startsWith('postgres:')) return 'postgres';
  throw new ConfigError(`PERSONAFLOW_LAKE_CATALOG must start with sqlite: or postgres:, got "${lake.catalog.split(':')[0]}:..."`);
}

/** The SQLite catalog file, for the sqlite kind. */
export function sqliteCatalogFile(lake: LakeConfig): string | undefined {
  return catalogKind(lake) === 'sqlite' ? lake.catalog.slice('sqlite:'.length) : undefined;
}

function isLocalPath(path: string): boolean {
  return !/^[a-z0-9]+:\/\//i.test(path);
}

export interface LakeOpenOptions {
  readOnly?: boolean;
  threads?: number;
  /** DuckDB's memory_limit (e.g. 4GB): past it, large joins, sorts and aggregates spill to tempDirectory. */
  memoryLimit?: string;
  /** Where this process's DuckDB spills; one folder per process (DuckDB names its spill files alike in every process). */
  tempDirectory?: string;
  snapshotVersion?: number;
  readablePaths?: string[];
}

/**
 * A DuckDB instance (in memory: all persistent state is in the lake) with the
 * lake attached as `lake`. Readers attach it read-only and are then locked
 * down: no file access outside the lake, no other databases, no settings.
 */
export async function openLakeInstance(
  lake: LakeConfig,
  options: LakeOpenOptions = {},
): Promise<DuckDBInstance> {
  const kind = catalogKind(lake);
  const catalogFile = sqliteCatalogFile(lake);
  const workFile = lake.work.catalog.startsWith('sqlite:') ? lake.work.catalog.slice('sqlite:'.length) : undefined;
  if (!options.readOnly) {
    assertWritable([
      catalogFile,
      isLocalPath(lake.dataPath) ? lake.dataPath : undefined,
      workFile,
      isLocalPath(lake.work.dataPath) ? lake.work.dataPath : undefined,
      options.tempDirectory,
    ]);
    if (catalogFile) mkdirSync(dirname(catalogFile), { recursive: true });
    if (isLocalPath(lake.dataPath)) mkdirSync(lake.dataPath, { recursive: true });
  }
  const extensions = ['ducklake', kind, ...(isLocalPath(lake.dataPath) ? [] : ['httpfs'])];
  const config: Record<string, string> = {
    extension_directory: EXTENSION_DIR,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  // Signatures were checked at bootstrap; skip the re-check only for those exact files (extension-trust.ts).
  if (verifiedAtInstall(EXTENSION_DIR, extensions)) config.allow_unsigned_extensions = 'true';
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  if (options.tempDirectory) {
    mkdirSync(options.tempDirectory, { recursive: true });
    config.temp_directory = options.tempDirectory;
  }
  const instance = await DuckDBInstance.create(':memory:', config);
  const connection = await instance.connect();
  try {
    for (const ext of extensions) {
      await connection.run(`LOAD ${ext}`).catch((error: unknown) => {
        throw new ConfigError(
          `DuckDB extension ${ext} is not installed in ${EXTENSION_DIR}: run \`npm run bootstrap\` (${(error as Error).message.split('\n')[0]})`,
        );
      });
    }
    await attach(connection, LAKE, lake.catalog, lake.dataPath, { readOnly: options.readOnly, snapshotVersion: options.snapshotVersion });
    if (options.readOnly) await lockDownReader(connection, lake, options.readablePaths ?? []);
    else {
      if (workFile) mkdirSync(dirname(workFile), { recursive: true });
      if (isLocalPath(lake.work.dataPath)) mkdirSync(lake.work.dataPath, { recursive: true });
      await attach(connection, WORK, lake.work.catalog, lake.work.dataPath, { metadataSchema: lake.work.metadataSchema });
    }
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  } finally {
    connection.closeSync();
  }
  return instance;
}

async function attach(
  connection: import('@duckdb/node-api').DuckDBConnection,
  name: string,
  catalog: string,
  dataPath: string,
  options: { readOnly?: boolean; metadataSchema?: string; snapshotVersion?: number },
): Promise<void> {
  const opts = [`DATA_PATH ${quoteLiteral(withSlash(dataPath))}`];
  if (catalog.startsWith('sqlite:')) opts.push(`META_JOURNAL_MODE 'WAL'`);
  if (options.metadataSchema) opts.push(`METADATA_SCHEMA ${quoteLiteral(options.metadataSchema)}`);
  if (options.readOnly) opts.push('READ_ONLY');
  if (options.snapshotVersion !== undefined) opts.push(`SNAPSHOT_VERSION ${Math.trunc(options.snapshotVersion)}`);
  const sql = `ATTACH ${quoteLiteral(`ducklake:${catalog}`)} AS ${name} (${opts.join(', ')})`;
  // Processes that open a fresh store together race to create its catalog
  // (`database is locked` on SQLite, a conflict or an existing table on
  // PostgreSQL): the loser attaches again once the winner has committed.
  for (let attempt = 1; ; attempt++) {
    try {
      await connection.run(sql);
      return;
    } catch (error) {
      const message = (error as Error).message;
      if (attempt < ATTACH_TRIES && (isCommitConflict(error) || /already exists/i.test(message))) {
        await connection.run(`DETACH DATABASE IF EXISTS ${name}`).catch(() => undefined);
        await conflictPause(attempt, 50);
        continue;
      }
      throw new StoreUnavailableError(`cannot attach the store's ${name} catalog (${describeCatalog({ catalog })}): ${message}`, error);
    }
  }
}

/** Attach attempts while other processes create or commit to the catalog (about 20 s in all). */
const ATTACH_TRIES = 14;

/**
 * After the lake is attached a reader needs the lake's own files and nothing
 * else: external access goes off (no COPY TO or read_* outside the lake, no
 * ATTACH of other files, no extension loading) and the configuration is
 * locked so no statement can turn it back on. The store itself is attached
 * read-only; statements other than queries are refused by the query command.
 */
async function lockDownReader(connection: import('@duckdb/node-api').DuckDBConnection, lake: LakeConfig, readable: string[]): Promise<void> {
  const dirs = isLocalPath(lake.dataPath) ? [withSlash(resolve(lake.dataPath))] : [];
  const catalogFile = sqliteCatalogFile(lake);
  const paths = [...(catalogFile ? [catalogFile, `${catalogFile}-wal`, `${catalogFile}-shm`] : []), ...readable].map((p) => resolve(p));
  if (dirs.length > 0) await connection.run(`SET allowed_directories = [${dirs.map(quoteLiteral).join(', ')}]`);
  if (paths.length > 0) await connection.run(`SET allowed_paths = [${paths.map(quoteLiteral).join(', ')}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

function withSlash(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

/** For messages: the catalog without a password. */
export function describeCatalog(lake: Pick<LakeConfig, 'catalog'>): string {
  return lake.catalog.replace(/password=\S+/gi, 'password=***');
}

/**
 * The lake from its two settings, the work lake derived beside it: for SQLite
 * a sibling catalog file, for PostgreSQL the same database under the metadata
 * schema `personaflow_work`; its data in a sibling folder (never inside the
 * readers' data path, whose orphan cleanup would take the work lake's files).
 */
export function lakeFromSettings(catalog: string, dataPath: string): LakeConfig {
  const probe = { catalog, dataPath, work: { catalog, dataPath } };
  const kind = catalogKind(probe);
  const trimmed = dataPath.replace(/\/+$/, '');
  const workData = `${trimmed}-work`;
  if (kind === 'sqlite') {
    const file = sqliteCatalogFile(probe)!;
    return { catalog, dataPath: trimmed, work: { catalog: `sqlite:${join(dirname(file), 'work.sqlite')}`, dataPath: workData } };
  }
  return { catalog, dataPath: trimmed, work: { catalog, dataPath: workData, metadataSchema: 'personaflow_work' } };
}

/** The default embedded lake under PERSONAFLOW_HOME. */
export function embeddedLake(home: string): LakeConfig {
  return lakeFromSettings(`sqlite:${join(home, 'lake', 'catalog.sqlite')}`, join(home, 'lake', 'data'));
}
