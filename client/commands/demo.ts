import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { runPipeline } from '../run-pipeline.ts';
import { formatRunSummary } from '../summary.ts';
import { generateSampleData } from '../../scripts/sample-data/generate.ts';
import { writeReport } from './report.ts';

/** The sample's as-of time: fixed, so every demo run profiles the same day. */
const DEMO_AS_OF = '2026-11-01T00:00:00Z';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .option('--scale <scale>', 'small (2,000 customers), medium, large or a number', 'small')
    .action((options: { scale: string }) => demo(options.scale));
}

async function demo(scale: string): Promise<void> {
  const started = Date.now();
  const config = loadConfig();
  const source = join(config.home, 'sample', scale);
  // orders.parquet is written last: its presence means a complete sample.
  if (existsSync(join(source, 'orders.parquet'))) {
    console.error(`sample data (${scale}) already at ${source}`);
  } else {
    console.error(`generating the sample data set (${scale}) into ${source}`);
    const parsed = /^\d+$/.test(scale) ? Number(scale) : (scale as 'small');
    const summary = await generateSampleData({ outDir: source, scale: parsed, asOf: new Date(DEMO_AS_OF) });
    console.error(
      `  ${summary.customers} customers, ${summary.orders} orders, ${summary.sessions} sessions, ${summary.reviews} reviews`,
    );
  }
  const outcome = await runPipeline(config, { source, asOf: DEMO_AS_OF }, { wait: true, log: console.error });
  if (!outcome.waited) return;
  console.log('');
  console.log(formatRunSummary(outcome.result, config.lake, outcome.url));
  const report = await writeReport(config, outcome.result.version);
  console.log('');
  console.log(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s; the Temporal dev server keeps running`);
  console.log('for the UI (stop it with `npx personaflow server stop`); run `npm run demo` again for the next version.');
  console.log(`\nprofile report (open it in a browser): ${report.path}`);
}
