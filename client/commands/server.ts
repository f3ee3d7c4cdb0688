import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';

export function registerServer(program: Command): void {
  const server = program.command('server');
  server
    .command('start')
    .description('start it (if not already running) and leave it running')
    .action(async () => {
      const config = loadConfig();
      const { resolveTemporal } = await import('../temporal.ts');
      const endpoint = await resolveTemporal(config, { detached: true, log: console.error });
      console.log(`Temporal at ${endpoint.address}${endpoint.uiUrl ? `, UI ${endpoint.uiUrl}` : ''}; this store's task queue: ${config.taskQueue}`);
    });
  server
    .command('stop')
    .description('stop the dev server an earlier demo or run left running for this PERSONAFLOW_HOME')
    .action(async () => {
      const { stopDetachedDevServer } = await import('../dev-server.ts');
      console.log(stopDetachedDevServer(loadConfig().home) ? 'stopped' : 'no dev server started by personaflow for this PERSONAFLOW_HOME is running');
    });
}
