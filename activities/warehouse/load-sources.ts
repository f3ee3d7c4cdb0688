import { ConfigError, RejectLimitError, SourceError } from '../errors.ts';
import {
  buildCheckSql,
  buildCountsSql,
  buildEmptyStagingSql,
  buildRejectedSql,
  buildRejectsSql,
  buildStagingTrimSql,
  buildTopRulesSql,
  rejectedTableName,
} from './load-sql.ts';
import { INTERNAL_PREFIX, readSource, type ReadTable } from './read-source.ts';
import { findSources } from './source-files.ts';
import { SOURCE_TABLES, TABLE_NAMES, type TableName } from './source-tables.ts';
import { ident, literal, qualified, SAFE_SCHEMA } from './sql-quote.ts';
import type { Session } from './warehouse.ts';

export interface LoadSourcesInput {
  runId: string;
  /** The run's staging schema (runSchema(runId)); created when missing. */
  schema: string;
  sourceDir: string;
  /** Rows whose as-of timestamp is later are counted, not loaded. */
  asOf: Date;
  /** Largest allowed rejected/read share of any one table, 0..1 (the contract's default is 0.05). */
  maxRejectShare: number;
}

export interface TableLoad {
  /** `orders.csv`, or `orders/` for a folder of parts. */
  file: string;
  read: number;
  loaded: number;
  rejected: number;
  afterAsOf: number;
}

export interface LoadSummary {
  /** null: an optional table the source folder does not have (its staging table is empty). */
  tables: Record<TableName, TableLoad | null>;
}

/**
 * The load stage: source folder → typed staging tables in the run's schema,
 * with every broken row in rejected_rows.
 *
 * 1. Per table: read it into connection-local temp tables, check it into a
 *    shadow of its staging table in the run's schema (`__pf_new_<table>`:
 *    every row, with the loader's columns), and keep its broken rows in a
 *    temp table. A missing table or column, an unreadable file, or a required
 *    table without rows throws SourceError here, before any staging is
 *    replaced; an optional table without rows counts as absent. A line too
 *    long for DuckDB is a rejected row with DuckDB's reason (read-source.ts),
 *    not a failed run. Each table's file as read is dropped once checked, and
 *    checked rows live in the lake's files, not in DuckDB's memory: at 1M
 *    customers the checked orders pushed the sessions check past the 4 GB
 *    limit, and the spill to disk cost about a sixth of the load.
 * 2. Trim each shadow to its valid rows up to the as-of time
 *    (buildStagingTrimSql). Then, in one transaction, replace this run's
 *    rejected rows and swap the shadows in as the staging tables (metadata
 *    only), so a retried activity ends in the same state as a first attempt
 *    and no reader of the run's staging ever sees some tables new and others old.
 * 3. Fail with RejectLimitError when a table's reject share is over the limit;
 *    the rejects stay recorded so the user can see why.
 *
 * Validity is a property of the data alone, as-of is applied after: foreign
 * keys are checked against every valid customer, whatever their signup time,
 * and then each table keeps its rows up to the as-of time independently. So
 * the same files give the same rejects at every as-of time, and an order of a
 * customer who signed up after the as-of time is staged (the features stage
 * starts from customers, so it does not count). The rejected_rows table must
 * exist (ensureWarehouseSchema), and the session must not be in a transaction.
 */
export async function loadSources(session: Session, input: LoadSourcesInput): Promise<LoadSummary> {
  validate(input);
  const entries = await findSources(input.sourceDir);
  const tempTables: string[] = [];
  const shadowOf = (table: TableName): string => `${qualified(input.schema)}.${ident(`${INTERNAL_PREFIX}new_${table}`)}`;
  let swapped = false;
  // Naive timestamps are UTC by contract; DuckDB reads them in the session's
  // zone, so pin it (per connection) for the load and put it back afterwards.
  const zone = await session.one<{ zone: string }>(`SELECT current_setting('TimeZone') AS zone`);
  await session.run(`SET TimeZone = 'UTC'`);
  try {
    // Every write to the lake goes through transaction(), which redoes a
    // commit that met another process's (`database is locked` on SQLite).
    await session.transaction((tx) => tx.run(`CREATE SCHEMA IF NOT EXISTS ${qualified(input.schema)}`));
    /** Each table checked so far: its read, its shadow (where later tables' references look ids up) and its counts. */
    const checked: Partial<Record<TableName, { read: ReadTable; load: TableLoad }>> = {};
    for (const table of TABLE_NAMES) {
      const entry = entries[table];
      if (!entry) continue;
      const spec = SOURCE_TABLES[table];
      const readFrom = tempTables.length;
      const read = await readSource(session, spec, entry, tempTables);
      const parts = tempTables.slice(readFrom); // the file as read: readSource's temp tables
      if (read.rows === 0) {
        // Contract: a required table with no rows fails the run (it would publish
        // a version with no orders for anyone); an optional one counts as absent.
        if (!spec.required) continue;
        throw new SourceError(
          `${entry.name}: required table ${table} has no rows (only a header, or an empty file); ` +
            `a version built from it would show no ${table} for every customer`,
          { table, file: entry.name },
        );
      }
      const shadow = shadowOf(table);
      const references = (referenced: TableName) => (checked[referenced] ? shadowOf(referenced) : undefined);
      tempTables.push(rejectedTableName(table));
      await session.transaction((tx) => tx.run(buildCheckSql(read, shadow, references), [input.asOf.toISOString()]));
      await session.run(buildRejectedSql(read, shadow));
      for (const name of parts) await session.run(`DROP TABLE IF EXISTS temp.main.${ident(name)}`);
      tempTables.splice(readFrom, parts.length);
      checked[table] = { read, load: await counts(session, shadow, entry.name) };
    }

    // Each shadow trimmed to its staging rows and columns, still under its
    // shadow name: DuckLake (1.5.5) leaves a table unreadable ("Column with
    // name ... already exists") when one transaction drops its columns and
    // renames it, so the trim is a transaction of its own before the swap.
    await session.transaction(async (tx) => {
      for (const table of TABLE_NAMES) {
        const done = checked[table];
        if (done) for (const sql of buildStagingTrimSql(shadowOf(table), done.read.spec)) await tx.run(sql);
      }
    });
    // The run's staging and its unredacted rejects (work lake, operators only)...
    const rawRejects = `${qualified(input.schema)}.rejected_rows_raw`;
    const summary = await session.transaction(async (tx) => {
      await tx.run(`CREATE OR REPLACE TABLE ${rawRejects} AS SELECT * FROM rejected_rows LIMIT 0`);
      const tables = {} as LoadSummary['tables'];
      for (const table of TABLE_NAMES) {
        const done = checked[table];
        if (!done) {
          await tx.run(buildEmptyStagingSql(input.schema, SOURCE_TABLES[table]));
          tables[table] = null;
          continue;
        }
        await tx.run(buildRejectsSql(done.read, rawRejects, { redacted: false }), [input.runId]);
        await tx.run(`DROP TABLE IF EXISTS ${qualified(input.schema)}.${ident(table)}`);
        await tx.run(`ALTER TABLE ${shadowOf(table)} RENAME TO ${ident(table)}`);
        tables[table] = done.load;
      }
      return { tables };
    });
    swapped = true;
    // ...then the redacted rejects data teams read, replacing any from an earlier attempt.
    // A transaction writes one lake, so this is a second one; a retry redoes both.
    await session.transaction(async (tx) => {
      await tx.run(`DELETE FROM rejected_rows WHERE run_id = ?`, [input.runId]);
      for (const table of TABLE_NAMES) {
        const done = checked[table];
        if (done) await tx.run(buildRejectsSql(done.read, 'rejected_rows', { redacted: true }), [input.runId]);
      }
    });

    await enforceRejectLimit(session, input, summary);
    return summary;
  } finally {
    for (const table of tempTables.reverse()) {
      await session.run(`DROP TABLE IF EXISTS temp.main.${ident(table)}`).catch(() => undefined);
    }
    // A load that failed before the swap leaves no shadow tables behind (a retry would replace them anyway).
    if (!swapped) {
      for (const table of TABLE_NAMES.filter((t) => entries[t])) {
        await session.transaction((tx) => tx.run(`DROP TABLE IF EXISTS ${shadowOf(table)}`)).catch(() => undefined);
      }
    }
    if (zone) await session.run(`SET TimeZone = ${literal(zone.zone)}`).catch(() => undefined);
  }
}

async function counts(session: Session, checked: string, file: string): Promise<TableLoad> {
  const row = await session.one<{ read: number; rejected: number; after_as_of: number }>(buildCountsSql(checked));
  const read = row?.read ?? 0;
  const rejected = row?.rejected ?? 0;
  const afterAsOf = row?.after_as_of ?? 0;
  return { file, read, loaded: read - rejected - afterAsOf, rejected, afterAsOf };
}

/** Throws for the tables whose rejected share is over the limit, naming the commonest broken rules. */
async function enforceRejectLimit(session: Session, input: LoadSourcesInput, summary: LoadSummary): Promise<void> {
  const over = TABLE_NAMES.flatMap((table) => {
    const load = summary.tables[table];
    return load && load.read > 0 && load.rejected / load.read > input.maxRejectShare ? [{ table, load }] : [];
  });
  const [first] = over;
  if (!first) return;
  const lines: string[] = [];
  for (const { table, load } of over) {
    const top = await session.all<{ rule: string; rows: number }>(buildTopRulesSql(table, 3));
    lines.push(
      `${table} (${load.file}): ${load.rejected} of ${load.read} rows rejected (${percent(load.rejected / load.read)}), ` +
        `over the limit of ${percent(input.maxRejectShare)}; most common: ${top.map((t) => `${t.rule} (${t.rows})`).join(', ')}`,
    );
  }
  const tables = over.map((o) => `'${o.table}'`).join(', ');
  throw new RejectLimitError(
    `${lines.join('; ')}. See: SELECT * FROM rejected_rows WHERE run_id = ${literal(input.runId)} AND table_name IN (${tables})`,
    { table: first.table, rejected: first.load.rejected, total: first.load.read, limit: input.maxRejectShare },
  );
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function validate(input: LoadSourcesInput): void {
  if (!SAFE_SCHEMA.test(input.schema)) throw new TypeError(`invalid staging schema name ${input.schema}`);
  if (!input.runId) throw new TypeError('runId is empty');
  if (Number.isNaN(input.asOf.getTime())) throw new TypeError('asOf is not a valid date');
  if (!(input.maxRejectShare >= 0 && input.maxRejectShare <= 1)) {
    throw new ConfigError(`maxRejectShare must be between 0 and 1, got ${input.maxRejectShare}`);
  }
}
