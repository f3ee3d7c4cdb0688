import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { withOutputsSession } from '../outputs-reader.ts';
import { driftReport } from '../drift-report.ts';
import { textTable } from '../text-table.ts';

function version(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a published version number (1, 2, ...)');
  return n;
}

export function registerDrift(program: Command): void {
  program
    .command('drift')
    .argument('<v1>', 'the earlier version', version)
    .argument('<v2>', 'the later version', version)
    .option('--min-change <share>', 'smallest relative change of a feature mean to list', Number, 0.1)
    .option('--json', 'print the report as JSON')
    .action(async (v1: number, v2: number, options: { minChange: number; json?: boolean }) => {
      const report = await withOutputsSession(loadConfig().lake, (s) => driftReport(s, v1, v2, options.minChange));
      if (options.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log(`Segment drift from version ${report.from} (${report.modelBefore}) to ${report.to} (${report.modelAfter})\n`);
      console.log(textTable(report.sizes as unknown as Array<Record<string, unknown>>));
      const ari = report.ari === null ? 'n/a' : report.ari.toFixed(3);
      console.log(`\n${report.movedCustomers} of ${report.commonCustomers} common customers moved segment (ARI ${ari})`);
      if (report.moves.length > 0) console.log(`\n${textTable(report.moves.slice(0, 10) as unknown as Array<Record<string, unknown>>)}`);
      console.log(`\nFeature means that changed by ${Math.round(options.minChange * 100)}% or more:`);
      console.log(
        textTable(
          report.meanChanges.map((c) => ({ ...c, relative: c.relative === null ? 'new' : `${(c.relative * 100).toFixed(1)}%` })),
        ),
      );
    });
}
