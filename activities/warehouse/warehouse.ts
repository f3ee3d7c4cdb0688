import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { WarehouseBusyError } from '../errors.ts';

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/** One connection's worth of work: plain rows out, parameters always bound. */
export class Session {
  constructor(private readonly connection: DuckDBConnection) {}

  async run(sql: string, params?: Params): Promise<void> {
    await this.connection.run(sql, params);
  }

  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((row) => toPlain(row) as T);
  }

  async one<T extends Row = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Runs fn inside BEGIN/COMMIT; any error rolls everything back. */
  async transaction<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await fn(this);
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** The raw connection, for appenders. */
  get raw(): DuckDBConnection {
    return this.connection;
  }
}

/**
 * The worker's DuckDB database file. DuckDB allows one read-write process per
 * file, so exactly one process (the worker) opens it; each unit of work takes
 * its own connection so concurrent activities get DuckDB's MVCC isolation.
 */
export class Warehouse {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly path: string,
  ) {}

  static async open(path: string, options: { threads?: number } = {}): Promise<Warehouse> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const config: Record<string, string> = {};
    if (options.threads) config.threads = String(options.threads);
    try {
      return new Warehouse(await DuckDBInstance.create(path, config), path);
    } catch (error) {
      if (error instanceof Error && /Could not set lock/i.test(error.message)) throw new WarehouseBusyError(path, error);
      throw error;
    }
  }

  async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      return await fn(new Session(connection));
    } finally {
      connection.closeSync();
    }
  }

  close(): void {
    this.instance.closeSync();
  }
}

/** DuckDB's JS values use bigint for 64-bit integers; our summaries want numbers. */
function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = toPlain(inner);
  return out;
}
