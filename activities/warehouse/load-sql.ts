import { INTERNAL_PREFIX, type ReadTable } from './read-source.ts';
import { SOURCE_TABLES, stagingType, shownToReaders, type ColumnSpec, type TableName, type TableSpec } from './source-tables.ts';
import { ident, literal, qualified } from './sql-quote.ts';

/**
 * SQL that turns a table read as text into checked rows, rejected rows and a
 * typed staging table, generated from the table's spec (source-tables.ts).
 * All set-based: one statement per step whatever the row count.
 *
 * Per source table, the check (buildCheckSql) writes one lean row per source
 * row straight into the table that becomes its staging table (a shadow in
 * the work lake until the load swaps it in): one typed value per contract
 * column under its contract name (default applied), the columns outside the
 * contract (text), then the loader's own columns (checkColumns): file number
 * and row number, `__pf_after` (the as-of timestamp is later than the run's
 * as-of time), the duplicate and reference facts a reason needs, and
 * `__pf_bad` (the row breaks a rule). Once every table is checked,
 * buildStagingTrimSql deletes the rejected and later rows and drops the
 * loader's columns: a delete file and metadata, where copying the valid rows
 * into a table of their own was a second write of every row (a tenth of the
 * load at 1M customers). The rejected temp table (buildRejectedSql) has the
 * rejected rows only, with every source column as read, `__pf_problems`
 * (specific messages) and `__pf_rules` (the same without values, for
 * counting). Reasons and raw text cost string work per row; built for every
 * row they were most of the load at 100k customers, so only rows that fail
 * get them (issue 12, docs/performance.md).
 *
 * Only spec names (fixed identifiers) and quoted source names reach the SQL
 * text; file paths and the as-of time are bound parameters.
 */

const P = INTERNAL_PREFIX;
/** trim() alone strips spaces only; CSV cells carry tabs and stray CRs too. */
const WHITESPACE = `(' ' || chr(9) || chr(10) || chr(13))`;
const WHITESPACE_CHARS = ["' '", 'chr(9)', 'chr(10)', 'chr(13)'];

/**
 * `NULLIF(trim(text, WHITESPACE), '')`, with trim only called for a value
 * that may need it: empty, or ending in one of those characters, or starting
 * with a byte below '!' (strings compare byte by byte, and every one of those
 * characters is below '!'; other control bytes only cost a trim that changes
 * nothing). Trim with a character set on every value, or prefix tests for
 * each character, cost several times this over 2.3M session rows; almost no
 * value needs it.
 */
function trimmedText(text: string): string {
  const ends = WHITESPACE_CHARS.map((c) => `ends_with(${text}, ${c})`);
  return `CASE WHEN ${text} < '!' OR ${ends.join(' OR ')}
    THEN NULLIF(trim(${text}, ${WHITESPACE}), '') ELSE ${text} END`;
}

/** ISO 8601 date or date-time, optional fraction and offset (DuckDB alone would also take `infinity`, `epoch`). */
const ISO_TIMESTAMP = String.raw`\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?`;
/** `2024-01-05T10:00:00Z` exactly (ASCII digits): a subset of ISO_TIMESTAMP. */
const ISO_UTC_SECONDS_GLOB = 'dddd-dd-ddTdd:dd:ddZ'.replaceAll('d', '[0-9]');
/** Plain decimal notation (DuckDB alone would also take `nan`, `inf`, `1_000`). */
const NUMBER = String.raw`[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`;
const TRUE_WORDS = ['true', '1', 'yes'];
const FALSE_WORDS = ['false', '0', 'no'];
/** Longest value quoted in a reason; review texts and junk cells get cut. */
const SHOWN_CHARS = 40;


const trimmedCol = (name: string): string => ident(`${P}t_${name}`);
const parsedCol = (name: string): string => ident(`${P}p_${name}`);
const valueCol = (name: string): string => ident(`${P}v_${name}`);
const fkCol = (name: string): string => ident(`${P}fk_${name}`);
const nativeCol = (name: string): string => ident(`${P}n_${name}`);
const hasNativeCol = (name: string): string => ident(`${P}has_n_${name}`);
const emptyCol = (name: string): string => ident(`${P}e_${name}`);
const bigCol = (name: string): string => ident(`${P}big_${name}`);

type ReadPart = ReadTable['parts'][number];

/** The row's position in its file: the temp table's rowid + 1, or the explicit column of a part read line by line. */
function rowExpression(part: ReadPart): string {
  return part.rowColumn === undefined ? 'rowid + 1' : ident(part.rowColumn);
}

/**
 * A row's position as one BIGINT, file number above bit 40 and row below:
 * ordered as (file_no, row), so min() is the first occurrence. 2^40 rows per
 * file is far past anything DuckDB reads into one temp table.
 */
const POSITION_BITS = 40;
function packedPosition(fileNo: string, row: string): string {
  return `((${fileNo})::BIGINT << ${POSITION_BITS}) + (${row})::BIGINT`;
}
/** A row of an id seen more than once, other than its first (`__pf_first_pos` is set only for such ids). */
const DUPLICATE = `(${P}first_pos IS NOT NULL AND ${P}first_pos <> ${packedPosition(`${P}file_no`, `${P}row`)})`;

/**
 * The part's column of that canonical name as text, as the checks' messages
 * and the raw rows show it (a typed Parquet value is cast), or undefined when
 * the part does not have it.
 */
function textExpression(part: ReadPart, name: string): string | undefined {
  const actual = part.columns.get(name);
  if (actual === undefined) return undefined;
  return (part.types.get(name) ?? 'VARCHAR') === 'VARCHAR' ? ident(actual) : `CAST(${ident(actual)} AS VARCHAR)`;
}

const INTEGER_TYPES = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'];

/**
 * The parsed value of a column the part holds typed, computed from the typed
 * value, or undefined when the text must be parsed. Each case gives exactly
 * what parseExpression gives for the value's text (its VARCHAR cast in a UTC
 * session): a DOUBLE's text is its shortest round-trip form, so it parses back
 * to itself; NaN and infinities print as words the checks refuse; a timestamp
 * prints with a 4-digit year from 1 to 9999 only. FLOAT (whose text is not its
 * DOUBLE value), HUGEINT, DATE and other timestamp units keep the text path.
 */
function nativeExpression(c: ColumnSpec, part: ReadPart): string | undefined {
  const actual = part.columns.get(c.name);
  const type = part.types.get(c.name);
  if (actual === undefined || type === undefined) return undefined;
  const x = ident(actual);
  const asDouble = `CAST(${x} AS DOUBLE)`;
  switch (c.type) {
    case 'number':
      if (type === 'DOUBLE' || INTEGER_TYPES.includes(type) || /^DECIMAL\(\d+,\d+\)$/.test(type)) {
        return `CASE WHEN isfinite(${asDouble}) THEN ${asDouble} END`;
      }
      return undefined;
    case 'integer':
      if (INTEGER_TYPES.includes(type)) return `CASE WHEN abs(${asDouble}) <= 2147483647 THEN CAST(${x} AS INTEGER) END`;
      if (type === 'DOUBLE') return `CASE WHEN isfinite(${x}) AND ${x} = trunc(${x}) AND abs(${x}) <= 2147483647 THEN CAST(${x} AS INTEGER) END`;
      return undefined;
    case 'timestamp':
      if (type === 'TIMESTAMP WITH TIME ZONE' || type === 'TIMESTAMP') {
        // Years 1 to 9999 (in UTC, the session's zone), as bounds: year() of a
        // TIMESTAMPTZ goes through ICU and cost half a second per million rows.
        // The infinities fall outside them.
        return `CASE WHEN ${x} BETWEEN ${type} '0001-01-01 00:00:00+00' AND ${type} '9999-12-31 23:59:59.999999+00' THEN CAST(${x} AS TIMESTAMPTZ) END`;
      }
      return undefined;
    case 'boolean':
      return type === 'BOOLEAN' ? x : undefined;
    default:
      return undefined;
  }
}

/**
 * One part's rows for the lean check: per contract column its emptiness
 * (`__pf_e_<name>`), its typed value (`__pf_v_<name>`, default applied; NULL
 * when invalid) and, for a column with a byte limit, whether it is over it
 * (`__pf_big_<name>`). A column the part holds typed (Parquet) is taken as it
 * is (nativeExpression); a column read as text is trimmed once and parsed.
 * Columns outside the contract are carried as text, for staging.
 */
function leanPartSelect(read: ReadTable, part: ReadPart, index: number): string[] {
  const { spec } = read;
  const inner: string[] = [`${rowExpression(part)} AS ${P}row`];
  const outer: string[] = [`${index} AS ${P}file_no`, `${P}row`];
  for (const name of read.extras) {
    const actual = part.columns.get(name);
    if (actual === undefined) {
      outer.push(`NULL::VARCHAR AS ${ident(name)}`);
    } else {
      inner.push(`${ident(actual)} AS ${ident(name)}`);
      outer.push(`CAST(${ident(name)} AS VARCHAR) AS ${ident(name)}`);
    }
  }
  for (const c of spec.columns) {
    const actual = part.columns.get(c.name);
    const type = stagingType(c.type);
    const big = c.maxBytes === undefined ? [] : [`false AS ${bigCol(c.name)}`];
    if (actual === undefined) {
      // Absent from this part: every row leaves it empty.
      outer.push(`true AS ${emptyCol(c.name)}`, `${defaultLiteral(c) ?? 'NULL'}::${type} AS ${valueCol(c.name)}`, ...big);
      continue;
    }
    const native = nativeExpression(c, part);
    if (native !== undefined) {
      // A typed value's text is never blank: empty means NULL.
      inner.push(`${native} AS ${nativeCol(c.name)}`, `${ident(actual)} IS NULL AS ${emptyCol(c.name)}`);
      const fallback = defaultLiteral(c);
      const value = fallback === undefined ? nativeCol(c.name) : `CASE WHEN ${emptyCol(c.name)} THEN ${fallback} ELSE ${nativeCol(c.name)} END`;
      outer.push(emptyCol(c.name), `CAST(${value} AS ${type}) AS ${valueCol(c.name)}`);
      continue;
    }
    const text = textExpression(part, c.name) ?? 'NULL::VARCHAR';
    inner.push(`${trimmedText(text)} AS ${trimmedCol(c.name)}`);
    if (c.type === 'text' || c.maxBytes !== undefined) inner.push(`${text} AS ${ident(c.name)}`);
    outer.push(`${trimmedCol(c.name)} IS NULL AS ${emptyCol(c.name)}`, `${valueExpression(c, parseExpression(c))} AS ${valueCol(c.name)}`);
    if (c.maxBytes !== undefined) outer.push(`coalesce(strlen(${ident(c.name)}) > ${Math.trunc(c.maxBytes)}, false) AS ${bigCol(c.name)}`);
  }
  const rows = `SELECT ${outer.join(', ')}, false AS ${P}read_failed
    FROM (SELECT ${inner.join(', ')} FROM ${ident(part.tempTable)})`;
  if (part.errorsTable === undefined) return [rows];
  // Lines DuckDB could not read (read-source.ts readOversized): rows with no values, rejected with DuckDB's reason.
  const nulls = [
    ...read.extras.map(() => `NULL::VARCHAR`),
    ...spec.columns.flatMap((c) => [`true`, `NULL::${stagingType(c.type)}`, ...(c.maxBytes === undefined ? [] : ['false'])]),
  ];
  return [rows, `SELECT ${index}, row, ${nulls.join(', ')}, true FROM ${ident(part.errorsTable)}`];
}

/**
 * The loader's own columns of a checked table, after the staged ones: what
 * the reasons of a rejected row need (position, first occurrence of its id,
 * whether each reference matched) and the two flags. Dropped from the table
 * when it becomes staging (buildStagingTrimSql).
 */
export function checkColumns(spec: TableSpec): string[] {
  return [
    `${P}file_no`,
    `${P}row`,
    `${P}after`,
    `${P}first_pos`,
    ...spec.columns.filter((c) => c.references !== undefined).map((c) => `${P}fk_${c.name}`),
    `${P}bad`,
  ];
}

/**
 * CREATE the checked table of one table (`target`, qualified): per source
 * row one typed value per contract column under its contract name, the
 * columns outside the contract (text), then checkColumns: its file number
 * and row number, `__pf_after` (the as-of timestamp is later than the run's
 * as-of time), the first occurrence of a duplicated id, whether each
 * reference matched, and `__pf_bad` (the row breaks a rule). Reasons and raw
 * text are not built here; buildRejectedSql builds them for the rejected
 * rows only. One bound parameter: the run's as-of time as an ISO string with
 * offset. `fkTable` names the checked table (qualified) of a referenced
 * table: its valid rows (any signup time) are the allowed ids.
 */
export function buildCheckSql(read: ReadTable, target: string, fkTable: (table: TableName) => string | undefined): string {
  const { spec } = read;
  const partSelects = read.parts.flatMap((part, index) => leanPartSelect(read, part, index));
  const references = spec.columns.filter((c) => c.references !== undefined);
  const joins = references.map((c, i) => {
    const table = c.references === undefined ? undefined : fkTable(c.references);
    if (c.references === undefined || table === undefined) {
      throw new Error(`${spec.name}.${c.name}: no checked table for ${c.references}`);
    }
    const targetKey = ident(SOURCE_TABLES[c.references].key);
    return `LEFT JOIN (SELECT ${targetKey} AS id FROM ${table} WHERE NOT ${P}bad) fk${i}
    ON fk${i}.id = ranked.${valueCol(c.name)}`;
  });
  // Duplicate ids, in one pass over the keys: per id its count and its
  // first position (file_no, row packed in one BIGINT, FIRST_POS), kept for
  // the ids seen more than once. Every row then looks its id up in that small
  // table: a row of such an id other than the first is a duplicate. (Ranking
  // the duplicate rows with a window after a second scan, as before, cost
  // a third of the check at 1M customers; docs/performance.md.) The key is a
  // string column, so its value is its trimmed text.
  const keyColumn = spec.columns.find((c) => c.name === spec.key);
  if (keyColumn?.type !== 'string' || keyColumn.default !== undefined) throw new Error(`${spec.name}.${spec.key}: the key must be a string column without default`);
  const key = valueCol(spec.key);
  // Each row's key alone, the same value as src computes (a string column's
  // value is its trimmed text): the duplicate search reads these two or three
  // columns, so src is read once and never materialised whole.
  const keySelects = read.parts.map((part, index) => {
    const text = textExpression(part, spec.key) ?? 'NULL::VARCHAR';
    return `SELECT ${packedPosition(String(index), rowExpression(part))} AS ${P}pos, ${trimmedText(text)} AS ${key} FROM ${ident(part.tempTable)}`;
  });
  // The same rules as the reasons (columnProblem, duplicateProblem, referenceProblem), as one flag.
  const broken = [
    `${P}read_failed`,
    ...spec.columns.map((c) => columnBroken(c)),
    `${DUPLICATE}`,
    ...references.map((c) => `(${valueCol(c.name)} IS NOT NULL AND NOT ${fkCol(c.name)})`),
  ];
  // In staging's column order: contract columns, the others, then the loader's own.
  const keep = [
    ...spec.columns.map((c) => `${valueCol(c.name)} AS ${ident(c.name)}`),
    ...read.extras.map(ident),
    ...checkColumns(spec).map((name) => (name === `${P}bad` ? `${broken.join('\n    OR ')} AS ${P}bad` : ident(name))),
  ];
  return `
CREATE OR REPLACE TABLE ${target} AS
WITH src AS (
  ${partSelects.join('\n  UNION ALL\n  ')}
),
keys AS (
  ${keySelects.join('\n  UNION ALL\n  ')}
),
dup_keys AS (
  SELECT ${key} AS ${P}dup_key, min(${P}pos) AS ${P}first_pos
  FROM keys WHERE ${key} IS NOT NULL GROUP BY ${key} HAVING count(*) > 1
),
ranked AS (
  SELECT src.*,
    coalesce(${valueCol(spec.asOf)} > CAST(? AS TIMESTAMPTZ), false) AS ${P}after,
    d.${P}first_pos
  FROM src LEFT JOIN dup_keys d ON d.${P}dup_key = src.${key}
),
linked AS (
  SELECT ranked.*${references.map((c, i) => `, fk${i}.id IS NOT NULL AS ${fkCol(c.name)}`).join('')}
  FROM ranked
  ${joins.join('\n  ')}
)
SELECT ${keep.join(',\n  ')}
FROM linked`;
}

/** True when columnProblem gives a reason for the row (the lean check's columns). */
function columnBroken(c: ColumnSpec): string {
  const empty = emptyCol(c.name);
  const emptyBroken = c.required ? [`${empty}`] : [];
  if (c.maxBytes !== undefined) return `(${[...emptyBroken, `(NOT ${empty} AND ${bigCol(c.name)})`].join(' OR ')})`;
  if (c.type === 'string' || c.type === 'text') return emptyBroken[0] ?? 'false';
  return `(${[...emptyBroken, `(NOT ${empty} AND NOT (${rangeCondition(c, valueCol(c.name))}))`].join(' OR ')})`;
}

export function rejectedTableName(table: string): string {
  return `${P}${table}_rejected`;
}

/**
 * CREATE the rejected temp table of one table from its checked table: the
 * rejected rows only, each with its file, row number, key, every source
 * column as read (text), `__pf_problems` (specific messages) and
 * `__pf_rules` (the same without values, for counting). The reasons are
 * computed here from the rows' text as the check would, so a reason and a raw
 * row read exactly as when every row carried them; first occurrences and
 * reference matches come from the checked table, its rejected rows read once.
 */
export function buildRejectedSql(read: ReadTable, checked: string): string {
  const { spec } = read;
  // Contract columns absent from every part still get a (NULL) column, so the
  // checks below are the same whatever the file held.
  const allColumns = [...read.columns, ...spec.columns.map((c) => c.name).filter((n) => !read.columns.includes(n))];

  // Contract columns some part holds already typed (Parquet): their value is
  // taken as it is, the text parse only runs for the other parts' rows.
  const natives = spec.columns.filter((c) => read.parts.some((part) => nativeExpression(c, part) !== undefined));
  const partSelects = read.parts.flatMap((part, index) => {
    // Every column as text, as the checks' messages and the raw rows show it.
    const cols = allColumns.map((name) => `${textExpression(part, name) ?? 'NULL::VARCHAR'} AS ${ident(name)}`);
    for (const c of natives) {
      const native = nativeExpression(c, part);
      cols.push(`${native !== undefined} AS ${hasNativeCol(c.name)}`, `${native ?? 'NULL'}::${stagingType(c.type)} AS ${nativeCol(c.name)}`);
    }
    const row = rowExpression(part);
    const rows = `SELECT ${index} AS ${P}file_no, ${row} AS ${P}row, ${cols.join(', ')},
    NULL::VARCHAR AS ${P}read_error, NULL::VARCHAR AS ${P}read_rule
    FROM ${ident(part.tempTable)}
    WHERE ${row} IN (SELECT ${P}row FROM bad WHERE ${P}file_no = ${index})`;
    if (part.errorsTable === undefined) return [rows];
    const nulls = [
      ...allColumns.map((name) => `NULL::VARCHAR AS ${ident(name)}`),
      ...natives.flatMap((c) => [`false`, `NULL::${stagingType(c.type)}`]),
    ];
    return [rows, `SELECT ${index}, row, ${nulls.join(', ')}, reason, rule FROM ${ident(part.errorsTable)}`];
  });

  const references = spec.columns.filter((c) => c.references !== undefined);
  const problems = (flavour: Flavour): string =>
    [
      ...spec.columns.map((c) => columnProblem(c, flavour)),
      duplicateProblem(spec, read.entry.isFolder, flavour),
      ...references.map((c) => referenceProblem(c, flavour)),
    ].join(',\n    ');
  const files = `[${read.parts.map((part) => literal(part.name)).join(', ')}]`;
  const keep = [
    `${files}[${P}file_no + 1] AS ${P}file`,
    `${P}file_no`,
    `${P}row`,
    ...read.columns.map(ident),
    `${trimmedCol(spec.key)} AS ${P}key`,
  ];

  return `
CREATE OR REPLACE TEMP TABLE ${ident(rejectedTableName(spec.name))} AS
WITH bad AS MATERIALIZED (
  SELECT ${P}file_no, ${P}row, ${P}first_pos${references.map((r) => `, ${fkCol(r.name)}`).join('')} FROM ${checked} WHERE ${P}bad
),
src AS (
  ${partSelects.join('\n  UNION ALL\n  ')}
),
trimmed AS (
  SELECT src.*, ${spec.columns.map((c) => `${trimmedText(ident(c.name))} AS ${trimmedCol(c.name)}`).join(',\n    ')}
  FROM src
),
parsed AS (
  SELECT trimmed.*, ${spec.columns.map((c) => `${natives.includes(c) ? `CASE WHEN ${hasNativeCol(c.name)} THEN ${nativeCol(c.name)} ELSE ${parseExpression(c)} END` : parseExpression(c)} AS ${parsedCol(c.name)}`).join(',\n    ')}
  FROM trimmed
),
typed AS (
  SELECT parsed.*, ${spec.columns.map((c) => `${valueExpression(c)} AS ${valueCol(c.name)}`).join(',\n    ')}
  FROM parsed
),
linked AS (
  SELECT typed.*, c.${P}first_pos, ${files}[(c.${P}first_pos >> ${POSITION_BITS}) + 1] AS ${P}first_file,
    c.${P}first_pos & ${2 ** POSITION_BITS - 1} AS ${P}first_row${references.map((r) => `, c.${fkCol(r.name)}`).join('')}
  FROM typed JOIN bad c ON c.${P}file_no = typed.${P}file_no AND c.${P}row = typed.${P}row
)
SELECT ${keep.join(', ')},
  CASE WHEN ${P}read_error IS NOT NULL THEN [${P}read_error]
    ELSE list_filter([${problems('message')}]::VARCHAR[], lambda ${P}item: ${P}item IS NOT NULL) END AS ${P}problems,
  CASE WHEN ${P}read_error IS NOT NULL THEN [${P}read_rule]
    ELSE list_filter([${problems('rule')}]::VARCHAR[], lambda ${P}item: ${P}item IS NOT NULL) END AS ${P}rules
FROM linked`;
}

/** The typed value from the trimmed text, or NULL when the text is not valid for the type. */
function parseExpression(c: ColumnSpec): string {
  const t = trimmedCol(c.name);
  const asDouble = `TRY_CAST(${t} AS DOUBLE)`;
  switch (c.type) {
    case 'string':
      return t;
    case 'text':
      // Free text is kept as written; only its emptiness is judged trimmed.
      return `CASE WHEN ${t} IS NOT NULL THEN ${ident(c.name)} END`;
    case 'timestamp':
      // Naive timestamps are read in the session's time zone, which loadSources sets to UTC.
      // The commonest shape (`2024-01-05T10:00:00Z`) is matched by a GLOB, a
      // third of the regex's cost; a GLOB match is a regex match, and anything
      // else still goes through the regex.
      return `CASE WHEN ${t} GLOB ${literal(ISO_UTC_SECONDS_GLOB)} OR regexp_full_match(${t}, ${literal(ISO_TIMESTAMP)})
        THEN TRY_CAST(${t} AS TIMESTAMPTZ) END`;
    case 'number': {
      // First the common case without the regex (which cost as much as the
      // rest of the parse): a whole number written as DuckDB prints it (`562`,
      // `-3`) is plain decimal notation, and its DOUBLE is the BIGINT's.
      const asBigint = `TRY_CAST(${t} AS BIGINT)`;
      return `CASE WHEN CAST(${asBigint} AS VARCHAR) = ${t} THEN CAST(${asBigint} AS DOUBLE)
        WHEN regexp_full_match(${t}, ${literal(NUMBER)}) AND isfinite(${asDouble}) THEN ${asDouble} END`;
    }
    case 'integer': {
      // Via DOUBLE: a VARCHAR → INTEGER cast would round `3.5` to 4 instead of refusing it.
      // First, as for numbers, an integer written as DuckDB prints it, within the same bounds.
      const asInteger = `TRY_CAST(${t} AS INTEGER)`;
      return `CASE WHEN ${asInteger} BETWEEN -2147483647 AND 2147483647 AND CAST(${asInteger} AS VARCHAR) = ${t} THEN ${asInteger}
        WHEN regexp_full_match(${t}, ${literal(NUMBER)}) AND ${asDouble} = trunc(${asDouble})
        AND abs(${asDouble}) <= 2147483647 THEN CAST(${asDouble} AS INTEGER) END`;
    }
    case 'boolean':
      // The words are lower case: a value already written so skips lower().
      return `CASE WHEN ${t} IN (${TRUE_WORDS.map(literal).join(', ')}) THEN true
        WHEN ${t} IN (${FALSE_WORDS.map(literal).join(', ')}) THEN false
        WHEN lower(${t}) IN (${TRUE_WORDS.map(literal).join(', ')}) THEN true
        WHEN lower(${t}) IN (${FALSE_WORDS.map(literal).join(', ')}) THEN false END`;
    case 'enum': {
      const values = (c.values ?? []).map(literal).join(', ');
      return `CASE WHEN ${t} IN (${values}) THEN ${t} WHEN lower(${t}) IN (${values}) THEN lower(${t}) END`;
    }
  }
}

/** The staged value: the parsed value (by default the parsed column), or the default when the cell is empty. */
function valueExpression(c: ColumnSpec, parsed = parsedCol(c.name)): string {
  const type = stagingType(c.type);
  const fallback = defaultLiteral(c);
  if (fallback === undefined) return `CAST(${parsed} AS ${type})`;
  return `CAST(CASE WHEN ${trimmedCol(c.name)} IS NULL THEN ${fallback} ELSE ${parsed} END AS ${type})`;
}

/** The column's default as SQL, if it has one. */
function defaultLiteral(c: ColumnSpec): string | undefined {
  if (c.default === undefined) return undefined;
  return typeof c.default === 'string' ? literal(c.default) : String(c.default);
}

function rangeCondition(c: ColumnSpec, value: string): string {
  const conditions = [`${value} IS NOT NULL`];
  if (c.min !== undefined) conditions.push(`${value} >= ${c.min}`);
  if (c.max !== undefined) conditions.push(`${value} <= ${c.max}`);
  return conditions.join(' AND ');
}

/** What a valid value looks like, as said after the offending value. */
function expectation(c: ColumnSpec): string {
  const range =
    c.min !== undefined && c.max !== undefined
      ? ` from ${c.min} to ${c.max}`
      : c.min !== undefined
        ? ` >= ${c.min}`
        : c.max !== undefined
          ? ` <= ${c.max}`
          : '';
  switch (c.type) {
    case 'timestamp':
      return 'is not an ISO 8601 timestamp';
    case 'number':
      return `must be a number${range}`;
    case 'integer':
      return `must be an integer${range}`;
    case 'boolean':
      return 'is not a boolean (true/false, 1/0, yes/no)';
    case 'enum':
      return `is not one of ${(c.values ?? []).join(', ')}`;
    default:
      return 'is not valid';
  }
}

/** `"value"` for a message, cut to SHOWN_CHARS. */
function shown(expression: string): string {
  return `'"' || CASE WHEN length(${expression}) > ${SHOWN_CHARS} THEN left(${expression}, ${SHOWN_CHARS}) || '…' ELSE ${expression} END || '"'`;
}

type Flavour = 'message' | 'rule';

/** 1000000 → "1 MB" (decimal, as the contract states it). */
function formatBytes(bytes: number): string {
  return bytes % 1_000_000 === 0 ? `${bytes / 1_000_000} MB` : `${bytes} bytes`;
}

/** NULL, or why this column's value breaks the row. */
function columnProblem(c: ColumnSpec, flavour: Flavour): string {
  const t = trimmedCol(c.name);
  const empty = c.required ? literal(`${c.name} is empty`) : 'NULL';
  const canBeInvalid = c.type !== 'string' && c.type !== 'text';
  if (c.maxBytes !== undefined) {
    const size = `strlen(${ident(c.name)})`;
    const over = `${c.name} is over ${formatBytes(c.maxBytes)}`;
    const tooLong = flavour === 'rule' ? literal(over) : `${literal(`${over} (`)} || ${size} || ' bytes)'`;
    return `CASE WHEN ${t} IS NULL THEN ${empty} WHEN ${size} > ${Math.trunc(c.maxBytes)} THEN ${tooLong} END`;
  }
  if (!canBeInvalid) return `CASE WHEN ${t} IS NULL THEN ${empty} END`;
  const invalid =
    flavour === 'rule'
      ? literal(`${c.name} ${expectation(c)}`)
      : `${literal(`${c.name} `)} || ${shown(t)} || ${literal(` ${expectation(c)}`)}`;
  return `CASE WHEN ${t} IS NULL THEN ${empty} WHEN NOT (${rangeCondition(c, valueCol(c.name))}) THEN ${invalid} END`;
}

/** Later occurrences of an id are rejected; the message points at the first. */
function duplicateProblem(spec: TableSpec, isFolder: boolean, flavour: Flavour): string {
  const key = valueCol(spec.key);
  const when = DUPLICATE;
  if (flavour === 'rule') return `CASE WHEN ${when} THEN ${literal(`duplicate ${spec.key}`)} END`;
  const where = isFolder ? `${P}first_file || ' row ' || ${P}first_row` : `'row ' || ${P}first_row`;
  return `CASE WHEN ${when} THEN ${literal(`duplicate ${spec.key} `)} || ${shown(key)} || ' (first at ' || ${where} || ')' END`;
}

/** The id is missing from the referenced table, or its row there was rejected. */
function referenceProblem(c: ColumnSpec, flavour: Flavour): string {
  const value = valueCol(c.name);
  const tail = ` matches no valid row of ${c.references}`;
  const message = flavour === 'rule' ? literal(`${c.name}${tail}`) : `${literal(`${c.name} `)} || ${shown(value)} || ${literal(tail)}`;
  return `CASE WHEN ${value} IS NOT NULL AND NOT ${fkCol(c.name)} THEN ${message} END`;
}

/**
 * Copies the checked table's broken rows to a rejects table. Parameter: run id.
 * raw_row holds every source column as read (contract columns under their
 * contract spelling). For a folder of parts, row_number counts within the part
 * and the reason ends with `(file orders/part-2.csv)`. `redacted`: the copy
 * for data teams (rejected_rows), where free text, personal data and columns
 * outside the contract read `[redacted]`; the unredacted copy goes to the run's
 * staging (operators only, see docs/data-contract.md).
 */
export function buildRejectsSql(read: ReadTable, target: string, options: { redacted: boolean }): string {
  const { spec } = read;
  const shown = (name: string) => !options.redacted || shownToReaders(spec.columns.find((c) => c.name === name));
  const raw = read.columns
    .map((name) => `${literal(name)}, ${shown(name) ? ident(name) : `CASE WHEN ${ident(name)} IS NULL THEN NULL ELSE '[redacted]' END`}`)
    .join(', ');
  const reason = read.entry.isFolder
    ? `array_to_string(${P}problems, '; ') || ' (file ' || ${P}file || ')'`
    : `array_to_string(${P}problems, '; ')`;
  return `
INSERT INTO ${target} (run_id, table_name, row_number, row_key, raw_row, reason)
SELECT ?, ${literal(spec.name)}, ${P}row, ${P}key, json_object(${raw}), ${reason}
FROM ${ident(rejectedTableName(spec.name))}
WHERE len(${P}problems) > 0
ORDER BY ${P}file_no, ${P}row`;
}

/**
 * Turns a checked table into its staging table: valid rows up to the as-of
 * time, the contract's columns then the others, unsorted (nothing
 * downstream reads staging in order: features and extraction are set-based
 * SQL, train sorts by customer_id, readers never see the work lake). The
 * rows go by a delete, the loader's columns by DROP COLUMN, both metadata
 * and a small delete file in the lake rather than a rewrite.
 */
export function buildStagingTrimSql(checked: string, spec: TableSpec): string[] {
  return [
    `DELETE FROM ${checked} WHERE ${P}bad OR ${P}after`,
    ...checkColumns(spec).map((name) => `ALTER TABLE ${checked} DROP COLUMN ${ident(name)}`),
  ];
}

/** An absent optional table still exists, empty, so later SQL needs no special case. */
export function buildEmptyStagingSql(schema: string, spec: TableSpec): string {
  const columns = spec.columns.map((c) => `${ident(c.name)} ${stagingType(c.type)}`);
  return `CREATE OR REPLACE TABLE ${qualified(schema)}.${ident(spec.name)} (${columns.join(', ')})`;
}

export function buildCountsSql(checked: string): string {
  return `
SELECT count(*) AS read,
  count(*) FILTER (WHERE ${P}bad) AS rejected,
  count(*) FILTER (WHERE NOT ${P}bad AND ${P}after) AS after_as_of
FROM ${checked}`;
}

/** The most frequent broken rules of a table (rules, not messages: messages carry values). */
export function buildTopRulesSql(table: string, limit: number): string {
  return `
SELECT rule, count(*) AS rows
FROM (SELECT unnest(${P}rules) AS rule FROM ${ident(rejectedTableName(table))})
GROUP BY rule ORDER BY rows DESC, rule
LIMIT ${Math.trunc(limit)}`;
}
