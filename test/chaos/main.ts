// `npm run chaos [-- --scale small|medium] [--only <text>] [--results <file>]`:
// the fault suite of issue 10. Each case runs real processes (`personaflow
// run`, `personaflow worker`), the real Temporal dev server and a real store,
// injects its fault, then checks the invariants (invariants.ts). One line per
// case, then the totals and `N passed, N failed`; the results also go to a
// JSON file (default $PERSONAFLOW_HOME or .personaflow, chaos-results.json)
// for CI. Exit code 1 when any case failed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { secondsSince, type ChaosCase, type CaseOutcome } from './case.ts';
import { AS_OF, CaseContext, SCALES, Suite, type ScaleSpec } from './harness.ts';
import { checkStore } from './invariants.ts';
import { crashCases } from './crash-cases.ts';
import { llmCases } from './llm-cases.ts';
import { concurrencyCases } from './concurrency-cases.ts';
import { storeCases } from './store-cases.ts';
import { inputCases } from './input-cases.ts';
import { readerCases } from './reader-cases.ts';

interface CaseLine {
  group: string;
  name: string;
  outcome: 'pass' | 'FAIL' | 'skip';
  seconds: number;
  recoverSeconds?: number;
  rowsLost: number;
  problems: string[];
  note?: string;
}

/** A clean run of the sample: the reference every other case's counts are compared with. */
const baseline: ChaosCase = {
  group: 'baseline',
  name: 'baseline: one clean run',
  async run(ctx): Promise<CaseOutcome> {
    const store = ctx.store();
    const started = Date.now();
    const run = await ctx.cli(store, ['run', '--source', ctx.suite.sample.dir, '--as-of', AS_OF, '--json']);
    if (run.code !== 0) return { problems: [`the clean run failed: ${run.stderr.trim()}`], expect: [[store, { published: 1 }]] };
    const result = store.results[0]!;
    ctx.suite.baselineCustomers = result.customers;
    ctx.suite.baselineOrders = result.tables.orders?.loaded;
    ctx.suite.readerStore = { home: store.home, taskQueue: store.taskQueue };
    return {
      problems: [],
      expect: [[store, { published: 1, sample: ctx.suite.sample, baselineCustomers: result.customers }]],
      recoverSeconds: secondsSince(started),
      note: `${result.customers} customers, ${result.extraction.reviews} reviews`,
    };
  },
};

function parseArgs(argv: string[]): { scale: ScaleSpec; only?: string; results: string } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const name = value('--scale') ?? 'small';
  if (name !== 'small' && name !== 'medium') throw new Error(`--scale ${name}: small or medium`);
  const home = process.env.PERSONAFLOW_HOME ?? '.personaflow';
  return { scale: SCALES[name], only: value('--only'), results: resolve(value('--results') ?? `${home}/chaos-results.json`) };
}

async function runCase(suite: Suite, c: ChaosCase): Promise<CaseLine> {
  const skipped = c.skip?.();
  if (skipped) return { group: c.group, name: c.name, outcome: 'skip', seconds: 0, rowsLost: 0, problems: [], note: skipped };
  const ctx = new CaseContext(suite, c.name);
  const started = Date.now();
  const problems: string[] = [];
  let outcome: CaseOutcome | undefined;
  let rowsLost = 0;
  try {
    outcome = await c.run(ctx);
    problems.push(...outcome.problems);
  } catch (error) {
    problems.push(`the case broke: ${(error as Error).message.split('\n').slice(0, 3).join(' / ')}`);
  }
  try {
    await ctx.stopProcesses();
    for (const [store, expected] of outcome?.expect ?? []) {
      const report = await checkStore(ctx, store, expected);
      problems.push(...report.violations);
      rowsLost += report.rowsLost;
    }
  } catch (error) {
    problems.push(`the invariants could not be checked: ${(error as Error).message.split('\n')[0]}`);
    if (process.env.PERSONAFLOW_DEBUG) console.error((error as Error).stack);
  } finally {
    await ctx.close();
  }
  return {
    group: c.group,
    name: c.name,
    outcome: problems.length === 0 ? 'pass' : 'FAIL',
    seconds: secondsSince(started),
    recoverSeconds: outcome?.recoverSeconds,
    rowsLost,
    problems,
    note: outcome?.note,
  };
}

function format(line: CaseLine): string {
  const recover = line.recoverSeconds === undefined ? '-' : `${line.recoverSeconds.toFixed(1)} s`;
  const head = `${line.outcome.padEnd(4)}  ${line.name.padEnd(72)} recover ${recover.padStart(7)}  rows lost ${line.rowsLost}  (${line.seconds.toFixed(0)} s)`;
  const details = [...(line.note ? [`      ${line.note}`] : []), ...line.problems.map((p) => `      ! ${p}`)];
  return [head, ...details].join('\n');
}

/** Runs cases with at most `parallel` at once, printing each line as its case ends. */
async function runPool(suite: Suite, cases: ChaosCase[], parallel: number, lines: CaseLine[]): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < cases.length) {
      const line = await runCase(suite, cases[next++]!);
      lines.push(line);
      console.log(format(line));
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
}

async function main(): Promise<number> {
  const { scale, only, results } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  console.log(`personaflow chaos suite, scale ${scale.name} (${scale.customers} customers), ${scale.parallel} cases at once, commit ${commit}`);
  const suite = await Suite.start(scale);
  const lines: CaseLine[] = [];
  try {
    const all = [...crashCases(scale), ...llmCases(), ...concurrencyCases(), ...storeCases(), ...inputCases(), ...readerCases()];
    const chosen = only ? all.filter((c) => c.name.includes(only) || c.group.includes(only)) : all;
    const first = await runCase(suite, baseline);
    lines.push(first);
    console.log(format(first));
    if (first.outcome === 'pass') {
      await runPool(suite, chosen, scale.parallel, lines);
    } else {
      console.log('the baseline failed: the other cases need its reference counts and store, so they did not run');
    }
  } finally {
    await suite.stop();
  }
  const passed = lines.filter((l) => l.outcome === 'pass').length;
  const failed = lines.filter((l) => l.outcome === 'FAIL').length;
  const skipped = lines.filter((l) => l.outcome === 'skip').length;
  const crashRecoveries = lines.filter((l) => l.group.includes('SIGKILL') && l.recoverSeconds !== undefined).map((l) => l.recoverSeconds!);
  const rowsLost = lines.reduce((sum, l) => sum + l.rowsLost, 0);
  const minutes = secondsSince(started) / 60;
  console.log('');
  console.log(
    `totals: ${lines.length} cases in ${minutes.toFixed(1)} min; rows lost ${rowsLost}; ` +
      `slowest recovery after a crash ${crashRecoveries.length ? `${Math.max(...crashRecoveries).toFixed(1)} s` : '-'} (goal 60 s)`,
  );
  mkdirSync(dirname(results), { recursive: true });
  writeFileSync(
    results,
    `${JSON.stringify({ scale: scale.name, commit, finishedAt: new Date().toISOString(), minutes, passed, failed, skipped, rowsLost, cases: lines }, null, 2)}\n`,
  );
  console.log(`results: ${results}`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${(error as Error).stack ?? String(error)}`);
    process.exit(2);
  },
);
