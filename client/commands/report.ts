import { dirname, join } from 'node:path';
import { statSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { withOutputsSession } from '../outputs-reader.ts';

function version(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a published version number (1, 2, ...)');
  return n;
}

/** Where reports go by default: a folder beside the published outputs. */
export function reportsDir(outputsPath: string): string {
  return join(dirname(outputsPath), 'reports');
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write the HTML profile report of a published version (self-contained: opens offline) and print its path')
    .option('--version <n>', 'the published version (default: the newest)', version)
    .option('--out <file.html>', 'where to write it (default: reports/profile-report-v<n>.html beside the outputs)')
    .option('--json', 'print {"version", "path", "bytes"} as JSON')
    .action(async (options: { version?: number; out?: string; json?: boolean }) => {
      // Imported here: vega and vega-lite are heavy, and no other command needs them.
      const { writeReportFile, writeVersionReport } = await import('../report/write-report.ts');
      const { newestVersion } = await import('../report/report-data.ts');
      const config = loadConfig();
      const { path, v } = await withOutputsSession(config.outputsPath, async (s) => {
        const v = options.version ?? (await newestVersion(s));
        const path = options.out ? await writeReportFile(s, v, options.out) : await writeVersionReport(s, v, reportsDir(config.outputsPath));
        return { path, v };
      });
      const bytes = statSync(path).size;
      if (options.json) console.log(JSON.stringify({ version: v, path, bytes }));
      else console.log(path);
    });
}
