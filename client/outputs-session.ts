import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { UsageError } from './usage-error.ts';
import { Session } from '../activities/warehouse/warehouse.ts';

/**
 * A read-only session on the readers' copy of the published outputs, for
 * commands that need bound parameters (queryOutputs takes plain SQL). Read-only,
 * so it never contends with the worker's lock.
 */
export async function withOutputsSession<T>(outputsPath: string, fn: (session: Session) => Promise<T>): Promise<T> {
  if (!existsSync(outputsPath)) {
    throw new UsageError(`no published outputs at ${outputsPath} yet: run \`npm run demo\` or \`npx personaflow run --source <folder>\` first`);
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
