import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { UsageError } from './usage-error.ts';
import { Session, type Row } from '../activities/warehouse/warehouse.ts';

/**
 * Runs SQL against the readers' copy of the published outputs, opened
 * read-only: it never takes the worker's lock, so queries work while runs go on.
 */
export async function queryOutputs(outputsPath: string, sql: string): Promise<Row[]> {
  if (!existsSync(outputsPath)) {
    throw new UsageError(`no published outputs at ${outputsPath} yet: run \`npm run demo\` or \`npx personaflow run --source <folder>\` first`);
  }
  const instance = await DuckDBInstance.create(outputsPath, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      return await new Session(connection).all(sql);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
