import { Command, InvalidArgumentError } from 'commander';
import { performance } from 'node:perf_hooks';
import { DEFAULT_AS_OF, DEFAULT_SEED, SCALES, generateSampleData, type Scale } from './generate.ts';

/**
 * npx tsx scripts/sample-data/cli.ts --out <dir> [--scale small|medium|large|xlarge|N]
 *   [--seed N] [--as-of ISO] [--clean]
 *
 * Prints the summary as JSON on stdout; progress and timing go to stderr so
 * the JSON can be piped.
 */

function parseScale(value: string): Scale {
  if (Object.hasOwn(SCALES, value)) return value as keyof typeof SCALES;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected ${Object.keys(SCALES).join('|')} or a positive integer`);
  }
  return n;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

function parseAsOf(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('expected an ISO 8601 timestamp');
  return date;
}

const program = new Command()
  .name('sample-data')
  .description('Write a deterministic personaflow sample source folder (see /work/shared/data-contract.md).')
  .requiredOption('--out <dir>', 'output folder')
  .option('--scale <scale>', 'small (2k customers), medium (20k), large (100k), xlarge (1M) or a number', parseScale, 'small' as Scale)
  .option('--seed <n>', 'random seed', parseSeed, DEFAULT_SEED)
  .option('--as-of <iso>', 'as-of time the history ends at', parseAsOf, DEFAULT_AS_OF)
  .option('--clean', 'no deliberately broken rows', false)
  .action(async (opts: { out: string; scale: Scale; seed: number; asOf: Date; clean: boolean }) => {
    const started = performance.now();
    const summary = await generateSampleData({
      outDir: opts.out,
      scale: opts.scale,
      seed: opts.seed,
      asOf: opts.asOf,
      dirty: !opts.clean,
      onProgress: (done, total) => {
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        process.stderr.write(`  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} customers (${seconds}s)\n`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    process.stderr.write(`done in ${seconds.toFixed(1)}s\n`);
  });

await program.parseAsync(process.argv);
