/**
 * The data contract's four source tables, as data: which columns each has,
 * their types and rules. The loader's SQL is generated from this list, so the
 * contract (shared/data-contract.md) and the checks cannot drift apart in two
 * places. Change it only together with the contract page.
 */

export const TABLE_NAMES = ['customers', 'orders', 'sessions', 'reviews'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/**
 * How a column's text is parsed:
 * - string: trimmed; an empty value is NULL.
 * - text: kept exactly as read (free text); emptiness is judged after trimming.
 * - timestamp: ISO 8601; without an offset it is UTC. Stored as TIMESTAMPTZ.
 * - integer / number: decimal notation (`12`, `-3.5`, `1e3`); integers may be
 *   written `3.0` (Parquet and JSON writers do that) but not `3.5`.
 * - boolean: true/false, 1/0, yes/no (any case).
 * - enum: one of `values`, any case, stored lower case.
 */
export type ColumnType = 'string' | 'text' | 'timestamp' | 'integer' | 'number' | 'boolean' | 'enum';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** The column must be present in every source file, and no row may leave it empty. */
  readonly required?: true;
  /** Value used when the column is absent or the row leaves it empty. */
  readonly default?: string | number | boolean;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  /** Longest value in UTF-8 bytes (text columns); a longer one rejects the row. */
  readonly maxBytes?: number;
  /** Foreign key: the value must be the id of a valid row of that table. */
  readonly references?: 'customers';
  /** Personal data: redacted wherever data teams read raw rows (rejected_rows). Free text (type text) always is. */
  readonly pii?: true;
}

/** True when data teams may see the column's raw value: contract columns that are neither PII nor free text. */
export function shownToReaders(column: ColumnSpec | undefined): boolean {
  return column !== undefined && column.type !== 'text' && !column.pii;
}

export interface TableSpec {
  readonly name: TableName;
  /** A run cannot start without it; optional tables are created empty when absent. */
  readonly required: boolean;
  /** Unique id column: the first occurrence (file order, row order) wins. */
  readonly key: string;
  /** The timestamp the run's as-of time applies to (rows after it are not loaded). */
  readonly asOf: string;
  readonly columns: readonly ColumnSpec[];
}

export const ORDER_STATUSES = ['completed', 'cancelled', 'refunded'] as const;

export const SOURCE_TABLES: Record<TableName, TableSpec> = {
  customers: {
    name: 'customers',
    required: true,
    key: 'customer_id',
    asOf: 'signup_at',
    columns: [
      { name: 'customer_id', type: 'string', required: true },
      { name: 'signup_at', type: 'timestamp' },
      { name: 'country', type: 'string' },
      { name: 'birth_year', type: 'integer' },
      { name: 'email', type: 'string', pii: true },
    ],
  },
  orders: {
    name: 'orders',
    required: true,
    key: 'order_id',
    asOf: 'ordered_at',
    columns: [
      { name: 'order_id', type: 'string', required: true },
      { name: 'customer_id', type: 'string', required: true, references: 'customers' },
      { name: 'ordered_at', type: 'timestamp', required: true },
      { name: 'category', type: 'string' },
      { name: 'quantity', type: 'integer', min: 1, default: 1 },
      { name: 'unit_price', type: 'number', required: true, min: 0 },
      { name: 'discount', type: 'number', min: 0, default: 0 },
      { name: 'status', type: 'enum', values: ORDER_STATUSES, default: 'completed' },
    ],
  },
  sessions: {
    name: 'sessions',
    required: false,
    key: 'session_id',
    asOf: 'started_at',
    columns: [
      { name: 'session_id', type: 'string', required: true },
      { name: 'customer_id', type: 'string', required: true, references: 'customers' },
      { name: 'started_at', type: 'timestamp', required: true },
      { name: 'duration_s', type: 'number', required: true, min: 0 },
      { name: 'page_views', type: 'integer', min: 0 },
      { name: 'category', type: 'string' },
      { name: 'added_to_cart', type: 'boolean' },
    ],
  },
  reviews: {
    name: 'reviews',
    required: false,
    key: 'review_id',
    asOf: 'created_at',
    columns: [
      { name: 'review_id', type: 'string', required: true },
      { name: 'customer_id', type: 'string', required: true, references: 'customers' },
      { name: 'created_at', type: 'timestamp', required: true },
      { name: 'rating', type: 'integer', min: 1, max: 5 },
      // 1 MB: far past any review, and what one LLM request could not carry anyway.
      { name: 'text', type: 'text', required: true, maxBytes: 1_000_000 },
      { name: 'category', type: 'string' },
    ],
  },
};

/** DuckDB type of a column in the typed staging table. */
export function stagingType(type: ColumnType): string {
  switch (type) {
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'integer':
      return 'INTEGER';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    default:
      return 'VARCHAR';
  }
}
