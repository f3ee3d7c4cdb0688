import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { UsageError } from '../usage-error.ts';

interface RunOptions {
  source: string;
  asOf?: string;
  wait: boolean;
  k?: string;
  force?: boolean;
  json?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .requiredOption('--source <folder>', 'folder with customers, orders, sessions, reviews (CSV, Parquet, NDJSON)')
    .option('--as-of <time>', 'ISO 8601 as-of time (default: the run start)')
    .option('--k <n>', 'fix the number of segments instead of measuring it')
    .option('--force', 'redo every stage even when an earlier run with the same as-of and inputs left checkpoints')
    .option('--no-wait', 'start the run and print its workflow id')
    .option('--json', 'print the result (or, with --no-wait, the workflow id and UI URL) as JSON')
    .action((options: RunOptions) => runCommand(options));
}

async function runCommand(options: RunOptions): Promise<void> {
  const config = loadConfig();
  const source = resolve(options.source);
  if (!existsSync(source)) throw new UsageError(`--source ${options.source}: no such folder`);
  if (options.asOf && Number.isNaN(new Date(options.asOf).getTime())) {
    throw new UsageError(`--as-of "${options.asOf}" is not an ISO 8601 time`);
  }
  const k = options.k === undefined ? undefined : Number(options.k);
  if (k !== undefined && (!Number.isInteger(k) || k < 2)) throw new UsageError(`--k ${options.k}: must be an integer >= 2`);
  const [{ runPipeline }, { formatRunSummary }] = await Promise.all([import('../run-pipeline.ts'), import('../summary.ts')]);
  const outcome = await runPipeline(config, { source, asOf: options.asOf, k, ...(options.force ? { force: true } : {}) }, { wait: options.wait, log: console.error });
  if (options.json) {
    console.log(JSON.stringify(outcome.waited ? { ...outcome.result, url: outcome.url } : { workflowId: outcome.workflowId, url: outcome.url }, null, 2));
    return;
  }
  if (!outcome.waited) {
    console.log(outcome.workflowId);
    if (outcome.url) console.error(`Temporal UI: ${outcome.url}`);
    return;
  }
  console.log(formatRunSummary(outcome.result, config.lake, outcome.url));
}
