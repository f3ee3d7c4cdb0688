// One real Temporal dev server for the whole test run (faster than one per
// file), on free ports with its SQLite file in a temp folder; stopped at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import { ensureDevServer } from '../../client/dev-server.ts';
import { freePort } from './free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const home = mkdtempSync(join(tmpdir(), 'personaflow-temporal-'));
  const server = await ensureDevServer({
    home,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    detached: false,
  });
  project.provide('temporalAddress', server.address);
  return async () => {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  };
}
