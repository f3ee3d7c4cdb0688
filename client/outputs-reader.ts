import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { DataError } from './cli-errors.ts';
import { Session, type Row } from '../activities/warehouse/warehouse.ts';

/**
 * A read-only session on the readers' copy of the published outputs. It never
 * takes the worker's lock (the worker only ever renames a finished file into
 * this path), so queries work while runs go on.
 */
export async function withOutputsSession<T>(outputsPath: string, fn: (session: Session) => Promise<T>): Promise<T> {
  if (!existsSync(outputsPath)) {
    throw new DataError(`no published outputs at ${outputsPath} yet: run \`npm run demo\` or \`npx personaflow run --source <folder>\` first`);
  }
  const instance = await DuckDBInstance.create(outputsPath, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      return await fn(new Session(connection));
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Runs one SQL statement against the published outputs. */
export function queryOutputs(outputsPath: string, sql: string): Promise<Row[]> {
  return withOutputsSession(outputsPath, (session) => session.all(sql));
}
