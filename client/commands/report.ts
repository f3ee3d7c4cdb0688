import { statSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig, type Config } from '../../worker/config.ts';
import { withOutputsSession } from '../outputs-reader.ts';
import { reportsDir } from '../report/report-path.ts';

function version(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a published version number (1, 2, ...)');
  return n;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write the HTML profile report of a published version (self-contained: opens offline) and print its path')
    .option('--version <n>', 'the published version (default: the newest)', version)
    .option('--out <file.html>', 'where to write it (default: $PERSONAFLOW_HOME/reports/profile-report-v<n>.html)')
    .option('--json', 'print {"version", "path", "bytes"} as JSON')
    .action(async (options: { version?: number; out?: string; json?: boolean }) => {
      const { version: v, path } = await writeReport(loadConfig(), options.version, options.out);
      if (options.json) console.log(JSON.stringify({ version: v, path, bytes: statSync(path).size }));
      else console.log(path);
    });
}

/**
 * Writes the report of `version` (default: the newest) from the readers' copy
 * to `out` (default: PERSONAFLOW_HOME/reports/); shared with the demo.
 */
export async function writeReport(config: Pick<Config, 'home' | 'lake'>, version?: number, out?: string): Promise<{ version: number; path: string }> {
  // Imported here: vega and vega-lite are heavy, and no other command needs them.
  const { writeReportFile, writeVersionReport } = await import('../report/write-report.ts');
  const { newestVersion } = await import('../report/report-data.ts');
  return withOutputsSession(config.lake, async (s) => {
    const v = version ?? (await newestVersion(s));
    const path = out ? await writeReportFile(s, v, out) : await writeVersionReport(s, v, reportsDir(config.home));
    return { version: v, path };
  });
}
