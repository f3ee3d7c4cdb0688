import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { queryOutputs } from '../outputs-reader.ts';
import { textTable } from '../text-table.ts';
import { UsageError } from '../usage-error.ts';

export function registerQuery(program: Command): void {
  program
    .command('query')
    .argument('<sql>', 'the SQL to run')
    .option('--json', 'print the rows as a JSON array')
    .option('--version <n>', 'read the store as published profile version n left it (time travel)', parseVersion)
    .action(async (sql: string, options: { json?: boolean; version?: number }) => {
      const rows = await queryOutputs(loadConfig().lake, sql, { version: options.version });
      console.log(options.json ? JSON.stringify(rows, null, 2) : textTable(rows));
    });
}

function parseVersion(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--version takes a published version number (1, 2, ...), got "${value}"`);
  return n;
}
