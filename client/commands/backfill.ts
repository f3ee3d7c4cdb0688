import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { connectClient, resolveTemporal, workerIsPolling, workflowUrl } from '../temporal.ts';
import { backfillProfiles } from '../../workflows/index.ts';
import type { BackfillProfilesInput } from '../../workflows/backfill-types.ts';
import { UsageError } from '../usage-error.ts';
import { duration } from '../schedule-options.ts';

interface BackfillFlags {
  source: string;
  from: string;
  to: string;
  step: string;
  parallelism: string;
  json?: boolean;
}

/**
 * `personaflow backfill`: starts the backfillProfiles workflow (one profileRun
 * per as-of time) and prints its id; follow it in the UI or with its
 * `backfillProgress` query. The same JSON can be typed into the UI's form.
 */
export function registerBackfill(program: Command): void {
  program
    .command('backfill')
    .requiredOption('--source <folder>', 'folder with the source tables')
    .requiredOption('--from <time>', 'first as-of time (ISO 8601)')
    .requiredOption('--to <time>', 'last as-of time (ISO 8601)')
    .option('--step <duration>', 'time between as-of times', '1 day')
    .option('--parallelism <n>', 'runs at a time', '2')
    .option('--json', 'print the workflow id and UI URL as JSON')
    .action((flags: BackfillFlags) => startBackfill(flags));
}

async function startBackfill(flags: BackfillFlags): Promise<void> {
  const source = resolve(flags.source);
  if (!existsSync(source)) throw new UsageError(`--source ${flags.source}: no such folder`);
  for (const [flag, value] of [['--from', flags.from], ['--to', flags.to]] as const) {
    if (Number.isNaN(Date.parse(value))) throw new UsageError(`${flag} "${value}" is not an ISO 8601 time`);
  }
  if (Date.parse(flags.to) < Date.parse(flags.from)) throw new UsageError(`--to ${flags.to} is before --from ${flags.from}`);
  const parallelism = Number(flags.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 100) {
    throw new UsageError(`--parallelism ${flags.parallelism}: an integer from 1 to 100`);
  }
  const input: BackfillProfilesInput = { source, from: flags.from, to: flags.to, step: duration(flags.step, '--step'), parallelism };
  const config = loadConfig();
  const endpoint = await resolveTemporal(config, { detached: true, log: console.error });
  const client = await connectClient(endpoint);
  try {
    const workflowId = `backfill-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await client.workflow.start(backfillProfiles, { taskQueue: config.taskQueue, workflowId, args: [input] });
    const url = workflowUrl(endpoint, workflowId);
    if (flags.json) console.log(JSON.stringify({ workflowId, url }, null, 2));
    else {
      console.log(workflowId);
      if (url) console.error(`Temporal UI: ${url}`);
    }
    if (!(await workerIsPolling(client, config.taskQueue))) {
      console.error(`note: no worker polls task queue "${config.taskQueue}"; start one with \`npx personaflow worker\``);
    }
  } finally {
    await client.connection.close();
  }
}
