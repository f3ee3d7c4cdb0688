/**
 * Quoting for the few places where DuckDB takes no bound parameter: identifiers
 * (column names read from a user's file) and constants inside DDL or table
 * function options. Values that can be bound are bound instead.
 */

/** A double-quoted identifier: `a"b` becomes `"a""b"`. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A schema name, optionally catalog-qualified (`work.run_ab12`): each part quoted. */
export function qualified(name: string): string {
  return name.split('.').map(ident).join('.');
}

/** [catalog, schema] of a possibly qualified schema name, for appenders. */
export function splitSchema(name: string): { catalog?: string; schema: string } {
  const parts = name.split('.');
  return parts.length === 2 ? { catalog: parts[0]!, schema: parts[1]! } : { schema: name };
}

/** Names personaflow makes itself (run schemas): letters, digits, underscore, optionally catalog-qualified. */
export const SAFE_SCHEMA = /^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/;

/** A single-quoted string literal: `it's` becomes `'it''s'`. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
