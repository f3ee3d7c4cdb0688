// `npm run bench -- cli [--runs N]`: start-up time of the command line, as a
// user runs it (node bin/personaflow.js, the compiled dist/), against bare
// `node -e 0` on the same machine at the same time. Goals (issue 11):
// `--help` <= 0.3 s and `query "select 1"` <= 0.6 s on the 2-core box.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Warehouse } from '../activities/warehouse/warehouse.ts';
import { embeddedLake } from '../activities/warehouse/lake.ts';
import { ensureWarehouseSchema } from '../activities/warehouse/schema.ts';
import { buildDist } from '../scripts/build.mjs';

const BIN = fileURLToPath(new URL('../bin/personaflow.js', import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return seconds;
}

export async function run(args: string[]): Promise<void> {
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 15;
  await buildDist();
  const home = mkdtempSync(join(tmpdir(), 'personaflow-bench-cli-'));
  try {
    // A store for `query` to attach (read-only and locked down, as every query does).
    const store = await Warehouse.openLake(embeddedLake(home));
    await store.withSession(ensureWarehouseSchema);
    store.close();
    const env = { PERSONAFLOW_HOME: home };
    const cases: Array<[string, string[], number | undefined]> = [
      ['node -e 0', ['-e', '0'], undefined],
      ['personaflow --help', [BIN, '--help'], 0.3],
      ['personaflow --version', [BIN, '--version'], undefined],
      ['personaflow query "select 1"', [BIN, 'query', 'select 1'], 0.6],
    ];
    // Interleaved, so a burst of load on the shared machine hits every case alike.
    const samples = cases.map(() => [] as number[]);
    time([BIN, '--version'], env); // warm the page cache
    for (let i = 0; i < runs; i++) cases.forEach(([, argv], c) => samples[c]!.push(time(argv, env)));
    const node = median(samples[0]!);
    console.log(`start-up, median of ${runs} runs (seconds; ratio to bare node):`);
    cases.forEach(([name, , goal], c) => {
      const m = median(samples[c]!);
      const verdict = goal === undefined ? '' : m <= goal ? `  goal <= ${goal} s: met` : `  goal <= ${goal} s: NOT met`;
      console.log(`  ${name.padEnd(30)} ${m.toFixed(3)} s  ${(m / node).toFixed(1)}x${verdict}`);
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
