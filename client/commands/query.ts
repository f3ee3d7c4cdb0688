import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { queryOutputs } from '../outputs-reader.ts';
import { textTable } from '../text-table.ts';

export function registerQuery(program: Command): void {
  program
    .command('query')
    .argument('<sql>', 'the SQL to run')
    .option('--json', 'print the rows as a JSON array')
    .action(async (sql: string, options: { json?: boolean }) => {
      const rows = await queryOutputs(loadConfig().outputsPath, sql);
      console.log(options.json ? JSON.stringify(rows, null, 2) : textTable(rows));
    });
}
