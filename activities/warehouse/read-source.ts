import { SourceError } from '../errors.ts';
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
  /** Temp table holding the part as read; its rowid + 1 is the row's position in the file. */
  readonly tempTable: string;
  /** Canonical column name → the name as it is in the temp table. */
  readonly columns: ReadonlyMap<string, string>;
}

export interface ReadTable {
  readonly spec: TableSpec;
  readonly entry: SourceEntry;
  readonly parts: readonly ReadPart[];
  /** Canonical names of every column present in at least one part, in first-seen order. */
  readonly columns: readonly string[];
  /** The columns outside the contract: kept as text in staging. */
  readonly extras: readonly string[];
}

/** Prefix of the loader's own columns; a source column may not use it. */
export const INTERNAL_PREFIX = '__pf_';

export function partTableName(table: string, index: number): string {
  return `${INTERNAL_PREFIX}${table}_part${index}`;
}

export async function readSource(session: Session, spec: TableSpec, entry: SourceEntry): Promise<ReadTable> {
  const parts: ReadPart[] = [];
  const columns: string[] = [];
  for (const [index, part] of entry.parts.entries()) {
    const tempTable = partTableName(spec.name, index);
    await readPart(session, spec, entry.format, part, tempTable);
    // DuckDB names are case-insensitive: `Note` in one part and `note` in the
    // next are one column, spelled as first seen.
    const mapping = new Map<string, string>();
    for (const [name, actual] of await mapColumns(session, spec, part, tempTable)) {
      let canonical = columns.find((c) => c.toLowerCase() === name.toLowerCase());
      if (canonical === undefined) columns.push((canonical = name));
      mapping.set(canonical, actual);
    }
    parts.push({ name: part.name, tempTable, columns: mapping });
  }
  const contract = new Set(spec.columns.map((c) => c.name));
  return { spec, entry, parts, columns, extras: columns.filter((c) => !contract.has(c)) };
}

async function readPart(
  session: Session,
  spec: TableSpec,
  format: SourceFormat,
  part: SourcePart,
  tempTable: string,
): Promise<void> {
  try {
    await session.run(`CREATE OR REPLACE TEMP TABLE ${ident(tempTable)} AS ${await selectAsText(session, format)}`, [
      part.path,
    ]);
  } catch (error) {
    throw new SourceError(`${part.name}: DuckDB cannot read it: ${duckdbMessage(error)}`, {
      table: spec.name,
      file: part.name,
    });
  }

  async function selectAsText(s: Session, kind: SourceFormat): Promise<string> {
    switch (kind) {
      case 'csv':
        return `SELECT * FROM read_csv(?, all_varchar = true, header = true)`;
      case 'parquet':
        // Cast after reading: the session runs in UTC, so TIMESTAMPTZ becomes
        // `2024-01-05 10:00:00+00` and TIMESTAMP `2024-01-05 10:00:00`; both parse back.
        return `SELECT COLUMNS(*)::VARCHAR FROM read_parquet(?)`;
      case 'json': {
        // JSON type detection would turn an ISO string into a TIMESTAMP (and
        // fail on a later row of another type), so learn the keys from the
        // whole file first, then read every key as VARCHAR.
        const keys = await s.all<{ column_name: string }>(
          `DESCRIBE SELECT * FROM read_json(?, format = 'newline_delimited', sample_size = -1)`,
          [part.path],
        );
        const struct = keys.map((k) => `${literal(k.column_name)}: 'VARCHAR'`).join(', ');
        return `SELECT * FROM read_json(?, format = 'newline_delimited', columns = {${struct}})`;
      }
    }
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
): Promise<Map<string, string>> {
  const described = await session.all<{ column_name: string }>(`DESCRIBE ${ident(tempTable)}`);
  const mapping = new Map<string, string>();
  const seen = new Map<string, string>();
  for (let { column_name: actual } of described) {
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
  return mapping;
}

/**
 * DuckDB's message, cut to what says what is wrong. This text becomes a
 * Temporal failure and a log line, so it must not carry customer data: DuckDB
 * echoes the offending row ("Original Line: ...") and our SQL after it, so
 * everything from the first blank line or "Original Line" on is dropped, and
 * what is left is redacted and clipped.
 */
export function duckdbMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const kept: string[] = [];
  for (const line of message.split('\n')) {
    if (line.trim() === '' || /original line/i.test(line) || /^LINE \d+:/.test(line)) break;
    kept.push(line.trim());
  }
  return clip(redactPII(kept.join(' ')), 300);
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

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
