import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { resolveTemporal } from '../temporal.ts';
import { stopDetachedDevServer } from '../dev-server.ts';

export function registerServer(program: Command): void {
  const server = program.command('server');
  server
    .command('start')
    .description('start it (if not already running) and leave it running')
    .action(async () => {
      const endpoint = await resolveTemporal(loadConfig(), { detached: true, log: console.error });
      console.log(`Temporal at ${endpoint.address}${endpoint.uiUrl ? `, UI ${endpoint.uiUrl}` : ''}`);
    });
  server
    .command('stop')
    .description('stop the dev server an earlier demo or run left running')
    .action(() => {
      console.log(stopDetachedDevServer(loadConfig().home) ? 'stopped' : 'no dev server started by personaflow is running');
    });
}
