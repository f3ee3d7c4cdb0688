import { StatementType } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { UsageError } from './usage-error.ts';
import { DataError } from './cli-errors.ts';
import { Session, Warehouse, type Row } from '../activities/warehouse/warehouse.ts';
import { describeCatalog, sqliteCatalogFile, type LakeConfig } from '../activities/warehouse/lake.ts';
import { literal as quoteLiteral } from '../activities/warehouse/sql-quote.ts';

export interface ReadOptions {
  /** A published profile version: the session sees the store exactly as that version's snapshot left it. */
  version?: number;
  /** Files outside the store the session may read or write (a customer file handed to `assign`, the file `export` writes); nothing else. */
  readablePaths?: string[];
}

/**
 * A read-only session on the store: the lake attached read-only and locked
 * down (activities/warehouse/lake.ts), so it needs no worker and never waits
 * for one. A session sees the newest committed snapshot when it starts; with
 * `version` it sees the snapshot that version was published in.
 */
export async function withOutputsSession<T>(lake: LakeConfig, fn: (session: Session) => Promise<T>, options: ReadOptions = {}): Promise<T> {
  const catalogFile = sqliteCatalogFile(lake);
  if (catalogFile && !existsSync(catalogFile)) {
    throw new DataError(`no published outputs at ${catalogFile} yet: run \`npm run demo\` or \`npx personaflow run --source <folder>\` first`);
  }
  const snapshot = options.version === undefined ? undefined : await snapshotOf(lake, options.version);
  const store = await Warehouse.openLake(lake, { readOnly: true, snapshotVersion: snapshot, readablePaths: options.readablePaths });
  try {
    return await store.withSession(fn);
  } finally {
    store.close();
  }
}

async function snapshotOf(lake: LakeConfig, version: number): Promise<number> {
  const row = await withOutputsSession(lake, (s) =>
    s.one<{ snapshot_id: number | null }>('SELECT snapshot_id FROM profile_versions WHERE version = $1', [version]),
  );
  if (!row) throw new DataError(`profile version ${version} was never published in ${describeCatalog(lake)} (see: personaflow version list)`);
  if (row.snapshot_id === null) {
    throw new DataError(`profile version ${version} is no longer reachable: retention expired its snapshot (pin versions to keep them: personaflow version pin <n>)`);
  }
  return row.snapshot_id;
}

/** Statements a reader may run: queries and their plans. Everything else is refused before it runs. */
const READ_STATEMENTS = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * DuckLake's maintenance functions are table functions a SELECT can call
 * (`SELECT * FROM ducklake_merge_adjacent_files('lake')`): on a read-only
 * attach most fail at commit, but some would write or delete data files
 * first. A reader has no business calling them, so they are refused by name
 * in the parsed statement (json_serialize_sql), with or without the prefix.
 */
const MAINTENANCE = /^(ducklake_)?(merge_adjacent_files|rewrite_data_files|cleanup_old_files|delete_orphaned_files|expire_snapshots|flush_inlined_data|add_data_files|set_option|set_commit_message)$/i;

async function refuseMaintenanceFunctions(session: Session, sql: string): Promise<void> {
  const row = await session.one<{ tree: string }>(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS tree`);
  const names = new Set<string>();
  JSON.parse(row?.tree ?? '{}', (key, value: unknown) => {
    if (key === 'function_name' && typeof value === 'string') names.add(value);
    return value;
  });
  const refused = [...names].filter((name) => MAINTENANCE.test(name));
  if (refused.length > 0) throw new UsageError(`query is read-only: ${refused.join(', ')} changes the store and is for workers only`);
}

/** Runs one query against the published outputs (read-only: other statements are refused). */
export function queryOutputs(lake: LakeConfig, sql: string, options: ReadOptions = {}): Promise<Row[]> {
  return withOutputsSession(
    lake,
    async (session) => {
      const statements = await session.raw.extractStatements(sql);
      if (statements.count !== 1) throw new UsageError(`query takes exactly one SQL statement, got ${statements.count}`);
      const prepared = await statements.prepare(0);
      if (!READ_STATEMENTS.has(prepared.statementType)) {
        throw new UsageError(`query is read-only: only SELECT (and EXPLAIN) statements run here, got ${StatementType[prepared.statementType]}`);
      }
      await refuseMaintenanceFunctions(session, sql);
      return session.all(sql);
    },
    options,
  );
}
