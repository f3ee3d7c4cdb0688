import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceError } from '../errors.ts';
import { scanLines } from './long-lines.ts';
import { redactPII } from '../llm/redact.ts';
import type { SourceEntry, SourceFormat, SourcePart } from './source-files.ts';
import type { TableSpec } from './source-tables.ts';
import { ident, literal } from './sql-quote.ts';
import type { Session } from './warehouse.ts';

/**
 * Reading one table's files into connection-local temp tables, every column as
 * text, so that a bad value becomes a rejected row later instead of a failed
 * read now. Temp tables keep the raw copy out of the warehouse file (DuckDB
 * files do not shrink when a table is dropped) and vanish with the connection.
 */

export interface ReadPart {
  readonly name: string;
  /** Temp table holding the part as read; its rowid + 1 is the row's position in the file, unless rowColumn says. */
  readonly tempTable: string;
  /** Canonical column name → the name as it is in the temp table. */
  readonly columns: ReadonlyMap<string, string>;
  /** Canonical column name → its DuckDB type in the temp table: VARCHAR, except in a Parquet part (read typed). */
  readonly types: ReadonlyMap<string, string>;
  /** Set when DuckDB skipped lines (see readOversized): the column holding each row's position in the file. */
  readonly rowColumn?: string;
  /** Set with rowColumn: temp table (row, reason, rule) of the lines DuckDB could not read, each a rejected row. */
  readonly errorsTable?: string;
}

export interface ReadTable {
  readonly spec: TableSpec;
  readonly entry: SourceEntry;
  readonly parts: readonly ReadPart[];
  /** Canonical names of every column present in at least one part, in first-seen order. */
  readonly columns: readonly string[];
  /** The columns outside the contract: kept as text in staging. */
  readonly extras: readonly string[];
  /** Rows read (lines DuckDB could not read included): 0 means the table is empty. */
  readonly rows: number;
}

/** Prefix of the loader's own columns; a source column may not use it. */
export const INTERNAL_PREFIX = '__pf_';

export function partTableName(table: string, index: number): string {
  return `${INTERNAL_PREFIX}${table}_part${index}`;
}

/**
 * Reads every part of a table. Parts without rows (a header-only or empty
 * file) are left out: an empty file has no header to check, and loadSources
 * decides what a table without rows means (contract: a required one fails
 * the run, an optional one counts as absent). Every temp table created is
 * listed in `tempTables` as soon as it exists, so the caller can drop them
 * even when a later part fails.
 */
export async function readSource(session: Session, spec: TableSpec, entry: SourceEntry, tempTables: string[] = []): Promise<ReadTable> {
  const parts: ReadPart[] = [];
  const columns: string[] = [];
  let rows = 0;
  for (const [index, part] of entry.parts.entries()) {
    const tempTable = partTableName(spec.name, index);
    const read = await readPart(session, spec, entry.format, part, tempTable, tempTables);
    rows += read.rows;
    if (read.rows === 0) continue;
    // DuckDB names are case-insensitive: `Note` in one part and `note` in the
    // next are one column, spelled as first seen.
    const mapping = new Map<string, string>();
    const types = new Map<string, string>();
    const described = await mapColumns(session, spec, part, tempTable, read.rowColumn);
    for (const [name, actual] of described.mapping) {
      let canonical = columns.find((c) => c.toLowerCase() === name.toLowerCase());
      if (canonical === undefined) columns.push((canonical = name));
      mapping.set(canonical, actual);
      types.set(canonical, described.types.get(actual) ?? 'VARCHAR');
    }
    parts.push({ name: part.name, tempTable, columns: mapping, types, rowColumn: read.rowColumn, errorsTable: read.errorsTable });
  }
  const contract = new Set(spec.columns.map((c) => c.name));
  return { spec, entry, parts, columns, extras: columns.filter((c) => !contract.has(c)), rows };
}

/** The explicit row-position column of a part read by readOversized. */
export const ROW_COLUMN = `${INTERNAL_PREFIX}row_in_file`;

/** DuckDB's own limits, the same in both readers: the CSV reader's default line size and the JSON reader's object size. */
const CSV_MAX_LINE_BYTES = 2_000_000;
const JSON_MAX_OBJECT_BYTES = 16_777_216;
/**
 * A line this long is still read while sniffing a CSV's dialect (once, for the
 * sample); longer fails the run. The sniffer's buffer is set to the same size:
 * DuckDB's default, 16 x max_line_size, is a 4 GiB block that a worker's
 * memory_limit (4GB by default) refuses ("could not allocate block"), which
 * failed every CSV load in the fault suite's long-line case.
 */
const SNIFF_MAX_LINE_BYTES = 256 * 1024 * 1024;

interface PartRead {
  rows: number;
  rowColumn?: string;
  errorsTable?: string;
}

async function readPart(
  session: Session,
  spec: TableSpec,
  format: SourceFormat,
  part: SourcePart,
  tempTable: string,
  tempTables: string[],
): Promise<PartRead> {
  const fail = (error: unknown): never => {
    throw new SourceError(`${part.name}: DuckDB cannot read it: ${duckdbMessage(error)}`, {
      table: spec.name,
      file: part.name,
    });
  };
  tempTables.push(tempTable);
  if (format === 'csv') {
    // A line past DuckDB's limit makes its sniffer crawl before failing: look first.
    const scan = await scanLines(part.path, CSV_MAX_LINE_BYTES);
    if (scan.long) {
      try {
        return await readOversized(session, format, part, tempTable, tempTables, scan.sample);
      } catch (error) {
        fail(error);
      }
    }
  }
  try {
    await session.run(`CREATE OR REPLACE TEMP TABLE ${ident(tempTable)} AS ${await selectAsText(session, format)}`, [
      part.path,
    ]);
  } catch (error) {
    // One line too long for DuckDB's reader fails the fast read above; read
    // again line by line, so that line becomes a rejected row with DuckDB's
    // reason and the rest of the file loads.
    const message = error instanceof Error ? error.message : String(error);
    if (!/maximum line size|does not support a full read|maximum_object_size/i.test(message)) fail(error);
    try {
      return await readOversized(session, format, part, tempTable, tempTables);
    } catch (again) {
      fail(again);
    }
  }
  const counted = await session.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${ident(tempTable)}`);
  return { rows: counted?.n ?? 0 };

  async function selectAsText(s: Session, kind: SourceFormat): Promise<string> {
    switch (kind) {
      case 'csv':
        return `SELECT * FROM read_csv(?, all_varchar = true, header = true)`;
      case 'parquet':
        // Typed as the file says: the checks (load-sql.ts) take a typed value
        // as it is instead of parsing its text, and cast to text only what
        // they show (the session runs in UTC, so TIMESTAMPTZ reads
        // `2024-01-05 10:00:00+00`, as it did when every column was read as text).
        return `SELECT * FROM read_parquet(?)`;
      case 'json': {
        // JSON type detection would turn an ISO string into a TIMESTAMP (and
        // fail on a later row of another type), so learn the keys from the
        // whole file first, then read every key as VARCHAR.
        const keys = await jsonKeys(s, part.path);
        const struct = keys.map((key) => `${literal(key)}: 'VARCHAR'`).join(', ');
        return `SELECT * FROM read_json(?, format = 'newline_delimited', columns = {${struct}})`;
      }
    }
  }
}

/**
 * The keys of a JSONL file's objects as DuckDB's type detection over the
 * whole file lists them (first appearance). That detection parses and types
 * every value, a third of the load at 100k customers. Instead: the keys of
 * DuckDB's default detection sample, then one pass that reads each line as a
 * MAP of text and keeps only the key lists that differ from the sample's
 * (parsing into a MAP and comparing its keys cost about 60% of json_keys over
 * the raw objects, 2.9 s against 4.6 s for 23M lines). No such line: the
 * sample's keys are the file's, in its order. Lines with other keys (the
 * same keys in another order too) add theirs; when the sample's list then
 * holds every key, its order stands. Anything else (a line that is not an
 * object, a key the sample lacks, an error) takes the full detection, which
 * then fails or answers exactly as before.
 */
async function jsonKeys(session: Session, path: string): Promise<string[]> {
  const full = async () =>
    (await session.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_json(?, format = 'newline_delimited', sample_size = -1)`, [path])).map(
      (k) => k.column_name,
    );
  try {
    const sampled = (await session.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_json(?, format = 'newline_delimited')`, [path])).map(
      (k) => k.column_name,
    );
    // A `null` line reads as a NULL map: its keys are NULL, which differs too.
    const others = await session.all<{ keys: string[] | null }>(
      `SELECT DISTINCT map_keys(m) AS keys
       FROM read_json(?, format = 'newline_delimited', records = false, columns = {m: 'MAP(VARCHAR, VARCHAR)'})
       WHERE map_keys(m) IS DISTINCT FROM [${sampled.map(literal).join(', ')}]::VARCHAR[]`,
      [path],
    );
    if (others.some((row) => row.keys === null)) return await full();
    const all = new Set([...sampled, ...others.flatMap((row) => row.keys ?? [])]);
    return sampled.length === all.size ? sampled : await full();
  } catch {
    return full();
  }
}

/**
 * The slow, careful read of a part with lines longer than DuckDB reads
 * (CSV_MAX_LINE_BYTES for CSV, JSON_MAX_OBJECT_BYTES for JSONL): single
 * threaded, with DuckDB's store_rejects, so each such line (or any other line
 * the reader refuses) lands in `<temp>_errors` with DuckDB's own message, and
 * every row read keeps its position in the file in ROW_COLUMN. CSV: the
 * dialect and header come from DuckDB's sniffer (allowed a long line once),
 * then the file is read with those settings fixed. JSONL: lines are read as
 * text and each parsed by DuckDB's JSON functions; a line that is not a JSON
 * object is a rejected row too.
 */
async function readOversized(
  session: Session,
  format: SourceFormat,
  part: SourcePart,
  tempTable: string,
  tempTables: string[],
  /** CSV only: the file's first lines within the limit, to sniff the dialect on (else the file itself is sniffed). */
  sniffSample?: string,
): Promise<PartRead> {
  const raw = `${tempTable}_raw`;
  const errors = `${tempTable}_errors`;
  const rejects = `${tempTable}_rejects`;
  const scans = `${tempTable}_scans`;
  tempTables.push(raw, errors, rejects, scans);
  const rejectOptions = `store_rejects = true, rejects_table = ${literal(rejects)}, rejects_scan = ${literal(scans)}, parallel = false`;
  let headerLines = 0;
  if (format === 'csv') {
    const sniffed = await sniffCsv(session, part.path, sniffSample);
    if (!sniffed) throw new Error('the CSV sniffer returned nothing');
    const option = (value: string, fallback: string): string => literal(value === '(empty)' || value === '' ? fallback : value);
    const names = JSON.parse(sniffed.columns) as string[];
    const columns = names.map((name) => `${literal(name)}: 'VARCHAR'`).join(', ');
    await session.run(
      `CREATE OR REPLACE TEMP TABLE ${ident(raw)} AS SELECT * FROM read_csv(?, auto_detect = false, header = true,
         delim = ${option(sniffed.delim, ',')}, quote = ${option(sniffed.quote, '"')}, escape = ${option(sniffed.escape, '"')},
         new_line = ${option(sniffed.newline, '\\n')}, columns = {${columns}}, max_line_size = ${CSV_MAX_LINE_BYTES}, ${rejectOptions})`,
      [part.path],
    );
    headerLines = 1;
  } else if (format === 'json') {
    // One column per line: a delimiter and no quoting that JSON text cannot hold unescaped (U+0001).
    await session.run(
      `CREATE OR REPLACE TEMP TABLE ${ident(raw)} AS SELECT line FROM read_csv(?, auto_detect = false, header = false,
         columns = {'line': 'VARCHAR'}, delim = ${literal('\u0001')}, quote = '', escape = '', new_line = '\\n',
         max_line_size = ${JSON_MAX_OBJECT_BYTES}, ${rejectOptions})`,
      [part.path],
    );
  } else {
    throw new Error(`no line-by-line reader for ${format}`);
  }
  // A file in another encoding is unreadable as a whole (contract), not a set of bad rows.
  const encoding = await session.one<{ message: string }>(
    `SELECT error_message AS message FROM ${ident(rejects)} WHERE error_type::VARCHAR IN ('INVALID ENCODING', 'INVALID UNICODE') LIMIT 1`,
  );
  if (encoding) throw new Error(encoding.message);
  // DuckDB counts lines from 1, the header included; rows count from 1 after it.
  await session.run(
    `CREATE OR REPLACE TEMP TABLE ${ident(errors)} AS
     SELECT (line - ${headerLines})::BIGINT AS row, error_message AS reason, lower(replace(error_type::VARCHAR, '_', ' ')) AS rule
     FROM ${ident(rejects)} ORDER BY line`,
  );
  // The position of each row read: its rank plus the rejected lines before it.
  const position = `r.rowid + 1 + (SELECT count(*) FROM (SELECT row - row_number() OVER (ORDER BY row) AS kept_before FROM ${ident(errors)}) e
     WHERE e.kept_before <= r.rowid)`;
  if (format === 'csv') {
    await session.run(
      `CREATE OR REPLACE TEMP TABLE ${ident(tempTable)} AS SELECT r.*, ${position} AS ${ident(ROW_COLUMN)} FROM ${ident(raw)} r ORDER BY r.rowid`,
    );
  } else {
    await jsonLinesToColumns(session, raw, errors, tempTable, position);
  }
  await session.run(`DROP TABLE IF EXISTS temp.main.${ident(raw)}`);
  const counted = await session.one<{ n: number }>(
    `SELECT ((SELECT count(*) FROM ${ident(tempTable)}) + (SELECT count(*) FROM ${ident(errors)}))::INTEGER AS n`,
  );
  return { rows: counted?.n ?? 0, rowColumn: ROW_COLUMN, errorsTable: errors };
}

/** DuckDB's sniffer on the sample (written to a private temp folder, removed after) or, without one, on the file. */
async function sniffCsv(session: Session, path: string, sample: string | undefined) {
  const folder = sample === undefined ? undefined : await mkdtemp(join(tmpdir(), 'personaflow-sniff-'));
  try {
    const target = folder === undefined ? path : join(folder, 'sample.csv');
    if (folder !== undefined) await writeFile(target, sample ?? '');
    return await session.one<{ delim: string; quote: string; escape: string; newline: string; columns: string }>(
      `SELECT Delimiter AS delim, Quote AS quote, Escape AS escape, NewLineDelimiter AS newline,
              to_json(list_transform(Columns, lambda c: c.name))::VARCHAR AS columns
       FROM sniff_csv(?, header = true, max_line_size = ${SNIFF_MAX_LINE_BYTES}, buffer_size = ${SNIFF_MAX_LINE_BYTES})`,
      [target],
    );
  } finally {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  }
}

/** JSONL lines read as text → one VARCHAR column per key (as read_json with VARCHAR columns gives); non-objects join the errors. */
async function jsonLinesToColumns(session: Session, raw: string, errors: string, tempTable: string, position: string): Promise<void> {
  const lines = `${raw}_lines`;
  await session.run(
    `CREATE OR REPLACE TEMP TABLE ${ident(lines)} AS
     SELECT line, ${position} AS row, CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END AS ok
     FROM ${ident(raw)} r WHERE trim(line) <> '' ORDER BY r.rowid`,
  );
  try {
    await session.run(
      `INSERT INTO ${ident(errors)} SELECT row, 'Malformed JSON: the line is not a JSON object', 'malformed json' FROM ${ident(lines)} WHERE NOT ok`,
    );
    const keys = await session.all<{ key: string }>(
      `SELECT key FROM (SELECT unnest(json_keys(line)) AS key, row FROM ${ident(lines)} WHERE ok) GROUP BY key ORDER BY min(row), key`,
    );
    const columns = keys.map(({ key }) => `json_extract_string(line, ${literal(`$."${key.replaceAll('"', '\\"')}"`)}) AS ${ident(key)}`);
    await session.run(
      `CREATE OR REPLACE TEMP TABLE ${ident(tempTable)} AS
       SELECT ${[...columns, `row AS ${ident(ROW_COLUMN)}`].join(', ')} FROM ${ident(lines)} WHERE ok ORDER BY row`,
    );
  } finally {
    await session.run(`DROP TABLE IF EXISTS temp.main.${ident(lines)}`);
  }
}

/**
 * Matches the part's columns to the contract: names are compared trimmed and
 * case-insensitively; contract columns take the contract's spelling, others
 * keep theirs (trimmed). Fails on a missing required column or an ambiguous name.
 */
async function mapColumns(
  session: Session,
  spec: TableSpec,
  part: SourcePart,
  tempTable: string,
  rowColumn: string | undefined,
): Promise<{ mapping: Map<string, string>; types: Map<string, string> }> {
  const described = (await session.all<{ column_name: string; column_type: string }>(`DESCRIBE ${ident(tempTable)}`)).filter(
    (d) => d.column_name !== rowColumn,
  );
  const types = new Map<string, string>();
  const mapping = new Map<string, string>();
  const seen = new Map<string, string>();
  for (let { column_name: actual, column_type: type } of described) {
    const source = actual;
    if (actual.toLowerCase() === 'rowid') {
      // A source column named rowid would hide DuckDB's rowid, which numbers the rows.
      actual = `${INTERNAL_PREFIX}source_rowid`;
      await session.run(`ALTER TABLE ${ident(tempTable)} RENAME COLUMN ${ident(source)} TO ${ident(actual)}`);
    }
    const trimmed = source.trim();
    const key = trimmed.toLowerCase();
    const fail = (why: string): never => {
      throw new SourceError(`${part.name}: ${why}`, { table: spec.name, file: part.name, column: trimmed });
    };
    if (key.startsWith(INTERNAL_PREFIX)) fail(`column "${trimmed}" uses the reserved prefix ${INTERNAL_PREFIX}`);
    const other = seen.get(key);
    if (other !== undefined) fail(`columns "${other}" and "${source}" are the same name; rename one`);
    seen.set(key, source);
    const canonical = spec.columns.find((c) => c.name === key)?.name ?? trimmed;
    mapping.set(canonical, actual);
    types.set(actual, type);
  }
  const missing = spec.columns.filter((c) => c.required && !mapping.has(c.name)).map((c) => c.name);
  const [first] = missing;
  if (first !== undefined) {
    const found = describeHeaders(described.map((d) => d.column_name.trim()));
    const what = missing.length === 1 ? 'column' : 'columns';
    throw new SourceError(
      `${part.name}: missing required ${what} ${missing.map((m) => `"${m}"`).join(', ')} (found: ${found})`,
      { table: spec.name, file: part.name, column: first },
    );
  }
  return { mapping, types };
}

/**
 * DuckDB's message, kept whole except what may carry customer data or is
 * noise. This text becomes a Temporal failure and a log line: DuckDB echoes
 * the offending row ("Original Line: ...") and our SQL ("LINE 1: ...") and
 * lists its reader options; those lines go. Its reason stays, wherever it
 * stands (for a CSV it comes after the echoed row: "Maximum line size of
 * 2000000 bytes exceeded", "This file is not utf-8 encoded"). What is left
 * is redacted; the failure boundary caps the length.
 */
export function duckdbMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const kept: string[] = [];
  for (const line of message.split('\n')) {
    const text = line.trim();
    if (/^LINE \d+:/.test(text)) break; // the SQL and its caret follow
    if (text === '' || /^original line/i.test(text) || /^possible solution/i.test(text)) continue;
    if (/^\s{2}\w[\w ]* = /.test(line)) continue; // "  delimiter = , (Auto-Detected)": the reader's options
    kept.push(text);
  }
  return redactPII(kept.join(' '));
}

/**
 * The headers of a file for an error message. A file without a header row has
 * its first data row read as headers, which may be review text or an e-mail:
 * only names that look like column names are shown.
 */
export function describeHeaders(headers: string[]): string {
  const names = headers.filter((h) => /^[A-Za-z_][A-Za-z0-9_ ]{0,40}$/.test(h));
  const others = headers.length - names.length;
  return others === 0 ? names.join(', ') : `${[...names, `${others} header(s) that do not look like column names`].join(', ')}`;
}
