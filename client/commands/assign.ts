import type { Command } from 'commander';
import { resolve } from 'node:path';
import { loadConfig } from '../../worker/config.ts';
import { withOutputsSession } from '../outputs-reader.ts';
import { assignCustomers, type AssignSource } from '../assign-customers.ts';
import { textTable } from '../text-table.ts';
import { UsageError } from '../usage-error.ts';

export function registerAssign(program: Command): void {
  program
    .command('assign')
    .requiredOption('--model-version <v>', 'model version (see model_versions or profile_versions.model_version)')
    .option('--file <path>', 'CSV or Parquet file of feature rows (customer_id and the model\'s feature columns)')
    .option('--customers <ids>', 'comma-separated customer ids, read from the published profiles')
    .option('--json', 'print the assignments as a JSON array')
    .action(async (options: { modelVersion: string; file?: string; customers?: string; json?: boolean }) => {
      if ((options.file === undefined) === (options.customers === undefined)) {
        throw new UsageError('give exactly one of --file <path> or --customers <ids>');
      }
      const source: AssignSource =
        options.file !== undefined
          ? { file: options.file }
          : { customers: options.customers!.split(',').map((id) => id.trim()).filter((id) => id.length > 0) };
      const rows = await withOutputsSession(loadConfig().lake, (s) => assignCustomers(s, options.modelVersion, source), {
        readablePaths: options.file !== undefined ? [resolve(options.file)] : [],
      });
      console.log(options.json ? JSON.stringify(rows, null, 2) : textTable(rows as unknown as Array<Record<string, unknown>>));
    });
}
