/**
 * Quoting for the few places where DuckDB takes no bound parameter: identifiers
 * (column names read from a user's file) and constants inside DDL or table
 * function options. Values that can be bound are bound instead.
 */

/** A double-quoted identifier: `a"b` becomes `"a""b"`. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted string literal: `it's` becomes `'it''s'`. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
