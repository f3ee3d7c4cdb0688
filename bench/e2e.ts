// `npm run bench -- e2e --scale N [--stage load|extract|features|train|publish]
//   [--provider offline|embedded|openai] [--tpm 200000] [--latency 300]
//   [--extract-workers N] [--k 5] [--keep]`
//
// The whole pipeline through Temporal at a scale (issue 12): sample data
// generated once per scale (.bench-data/<N>/source), a fresh store under
// .bench-data/<N>/run-<time>, the embedded dev server, one worker process
// (`personaflow worker`), and, from the train stage on, a reader process
// timing `select count(*) from current_profiles` in a loop. The bench process itself is the client: it
// starts profileRun and waits. With --stage S the run is stopped (terminated)
// once stage S is done, so a slow late stage need not be waited for.
//
// --provider openai: extraction goes to our OpenAI-compatible test server (in
// this process, bench/e2e-llm.ts) enforcing --tpm tokens/min, with buckets
// empty at its first request; --extract-workers N (default 2 for openai, else
// 0) starts N `personaflow worker --queues extract` processes and the main
// worker then serves only the main queue, so those N do all the extraction.
// Reported over the extract stage: the share of the token limit used, the
// share of requests answered 429, and which process ran each range.
//
// Prints the table and writes .bench-data/e2e-<N>[-<stage>].json. Every goal
// is a ratio measured in this run: DuckDB alone reads the same four files into
// typed tables (before the run starts, with the worker idle) for the load
// ratio; stage times and Temporal overhead come from the workflow histories.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { loadConfig } from '../worker/config.ts';
import { ensureDevServer, readDevServerRecord } from '../client/dev-server.ts';
import { connectClient, workerIsPolling } from '../client/temporal.ts';
import { startProfileRun } from '../client/start-run.ts';
import { progressQuery } from '../workflows/profile-run.ts';
import { EXTENSION_DIR } from '../activities/warehouse/lake.ts';
import { PROJECT_ROOT } from '../activities/project-root.ts';
import { SCALES, customerCount } from '../scripts/sample-data/generate.ts';
import { BENCH_AS_OF, BENCH_DATA, benchData, duckdbAlone } from './e2e-data.ts';
import { runTimings, STAGES, type BenchStage, type Interval } from './e2e-history.ts';
import { du, quantile, startStoreReader, type Reading } from './measure.ts';
import { llmFigures, startBenchLlm, type LlmFigures } from './e2e-llm.ts';
import { peakRssMiB, RssSampler, treePeakRssMiB } from './process-memory.ts';

const CLI = join(PROJECT_ROOT, 'bin', 'personaflow.js');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Options {
  customers: number;
  stage?: BenchStage;
  provider: 'offline' | 'embedded' | 'openai';
  k: number;
  keep: boolean;
  /** Extraction-only worker processes; with any, the main worker serves only the main queue. */
  extractWorkers: number;
  /** --provider openai: the test server's tokens per minute and reply latency. */
  tpm: number;
  latencyMs: number;
}

function parse(args: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const scale = value('scale') ?? 'small';
  const customers = customerCount(Object.hasOwn(SCALES, scale) ? (scale as keyof typeof SCALES) : Number(scale));
  const stage = value('stage') as BenchStage | undefined;
  if (stage !== undefined && !STAGES.includes(stage)) throw new Error(`--stage takes ${STAGES.join('|')}, got ${stage}`);
  const provider = value('provider') ?? 'offline';
  if (provider !== 'offline' && provider !== 'embedded' && provider !== 'openai') throw new Error(`--provider takes offline|embedded|openai, got ${provider}`);
  const extractWorkers = Number(value('extract-workers') ?? (provider === 'openai' ? 2 : 0));
  const tpm = Number(value('tpm') ?? 200_000);
  const latencyMs = Number(value('latency') ?? 300);
  for (const [name, n] of [['extract-workers', extractWorkers], ['tpm', tpm], ['latency', latencyMs]] as const) {
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} takes a whole number, got ${n}`);
  }
  return { customers, stage, provider, k: Number(value('k') ?? 5), keep: args.includes('--keep'), extractWorkers, tpm, latencyMs };
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

const seconds = (i: Interval | undefined): number | undefined => (i ? (i.end - i.start) / 1000 : undefined);
const fmt = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const int = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));

export async function run(args: string[]): Promise<void> {
  const options = parse(args);
  const load = loadavg();
  const commit = gitHead(); // the code the worker runs: read before it starts
  const data = await benchData(options.customers, log);
  const home = join(BENCH_DATA, String(options.customers), `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(home, { recursive: true });
  const llm = options.provider === 'openai' ? await startBenchLlm({ tpm: options.tpm, latencyMs: options.latencyMs }) : undefined;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PERSONAFLOW_HOME: home,
    PERSONAFLOW_LLM_PROVIDER: options.provider,
    ...llm?.env,
  };
  delete env.TEMPORAL_ADDRESS;
  const config = loadConfig(env);
  const endpoint = await ensureDevServer({
    home,
    port: config.temporal.port,
    uiPort: config.temporal.uiPort,
    namespace: config.temporal.namespace,
    detached: true, // recorded under home (its pid is read for the peak RSS); stopped below
    log,
  });
  const workerEnv = { ...env, TEMPORAL_ADDRESS: endpoint.address };
  let worker: ChildProcess | undefined;
  const extractWorkers: ChildProcess[] = [];
  let reader: ChildProcess | undefined;
  let workerRss: RssSampler | undefined;
  const readings: Reading[] = [];
  const client = await connectClient(endpoint);
  try {
    const spawnWorker = (queues?: string) =>
      spawn(process.execPath, [CLI, 'worker', ...(queues ? ['--queues', queues] : [])], { env: workerEnv, stdio: ['ignore', 'inherit', 'inherit'] });
    worker = spawnWorker(options.extractWorkers > 0 ? 'main' : undefined);
    for (let i = 0; i < options.extractWorkers; i++) extractWorkers.push(spawnWorker('extract'));
    while (
      !(await workerIsPolling(client, config.taskQueue)) ||
      (await pollerIdentities(client, config.extractTaskQueue)).size < options.extractWorkers
    ) {
      for (const w of [worker, ...extractWorkers]) if (w.exitCode !== null) throw new Error(`a worker exited with ${w.exitCode}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // The worker's resident memory each second, to tell which stage sets its peak.
    workerRss = new RssSampler(worker.pid);
    log('worker polling; DuckDB alone reads the same files into typed tables');
    const alone = await duckdbAlone(data.dir, home);

    log(`starting profileRun on ${options.customers.toLocaleString('en-US')} customers (${options.provider} extractor)`);
    const handle = await startProfileRun(client, config, { source: data.dir, asOf: BENCH_AS_OF, k: options.k, force: true });
    // The reader polls every 20 ms: started with train (attached and warm before publish), not before, so it takes no CPU from the earlier stages.
    const result = await waitFor(handle, options.stage, (stage) => {
      if (!reader && (stage === 'train' || stage === 'publish')) reader = startStoreReader(config.lake, EXTENSION_DIR, readings);
    });
    const timings = await runTimings(client, handle.workflowId);

    // Peak memory of every process, read before they are stopped.
    const rss: Record<string, number | undefined> = {
      worker: treePeakRssMiB(worker.pid),
      ...Object.fromEntries(extractWorkers.map((w, i) => [`extract${i + 1}`, treePeakRssMiB(w.pid)])),
      client: process.resourceUsage().maxRSS / 1024,
      reader: peakRssMiB(reader?.pid),
      temporal: peakRssMiB(readDevServerRecord(home)?.pid),
    };
    const publish = timings.stages.publish;
    const during = publish ? readings.filter((r) => r.at >= publish.start && r.at <= publish.end) : [];
    const latencies = during.filter((r) => r.ms !== undefined).map((r) => r.ms!).sort((a, b) => a - b);

    // Rows from the activities' own results, so a run stopped after --stage (or failed) still has them.
    const resultOf = (type: string) => timings.activities.find((a) => a.type === type)?.result as Record<string, unknown> | undefined;
    const loaded = resultOf('loadSources')?.tables as Record<string, { read: number } | null> | undefined;
    const customers = resultOf('buildFeatures')?.customers as number | undefined;
    const stageRows: Record<BenchStage, number | undefined> = {
      load: Object.values(loaded ?? {}).reduce((n, t) => n + (t?.read ?? 0), 0) || undefined,
      extract: timings.plan?.reviews,
      features: customers,
      train: customers,
      publish: customers,
    };
    const loadSeconds = seconds(timings.stages.load);
    const extractSeconds = seconds(timings.stages.extract);
    const wallMs = timings.wall.end - timings.wall.start;
    const ranges = timings.activities.filter((a) => a.type === 'extractReviewRange');
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtStart: load, loadAverageAtEnd: loadavg() },
      commit,
      options,
      data: { dir: data.dir, ...data.summary, generatedSeconds: data.generatedSeconds },
      stages: Object.fromEntries(
        STAGES.map((s) => [s, { seconds: seconds(timings.stages[s]), rows: stageRows[s], rowsPerSecond: rowsPerSecond(stageRows[s], seconds(timings.stages[s])) }]),
      ),
      load: {
        duckdbAloneSeconds: alone.seconds,
        duckdbAloneRows: alone.rows,
        ratio: loadSeconds ? alone.seconds / loadSeconds : undefined,
      },
      extraction: {
        reviews: timings.plan?.reviews,
        uniqueTexts: timings.plan?.pendingGroups,
        pendingReviews: timings.plan?.pendingReviews,
        cacheHits: timings.plan?.cacheHits,
        reviewsPerSecond: rowsPerSecond(timings.plan?.reviews, extractSeconds),
        reviewsPerSecondPerCore: rowsPerSecond(timings.plan?.reviews, extractSeconds) && rowsPerSecond(timings.plan?.reviews, extractSeconds)! / cpus().length,
        ranges: ranges.length,
        // A range late in the stage slower than an early one means work that grows with what is stored.
        rangeSeconds: rangeDrift(ranges),
        // Ranges per worker process (`<pid>@<host>`): did every extraction-only worker get work?
        rangesByWorker: countBy(ranges, (r) => processName(r.identity ?? '?', worker, extractWorkers)),
      },
      // Where train's time went (trainSegments' own step timings).
      trainSteps: resultOf('trainSegments')?.stepSeconds as Record<string, number> | undefined,
      llm: llm ? llmFigures(llm, timings.stages.extract) : undefined,
      temporal: {
        wallSeconds: wallMs / 1000,
        activeSeconds: timings.activeMs / 1000,
        summedActivitySeconds: timings.summedMs / 1000,
        overhead: (wallMs - timings.activeMs) / wallMs,
        activities: timings.activities.length,
      },
      peakRssMiB: rss,
      workerPeakRssByStageMiB: Object.fromEntries(
        STAGES.map((s) => [s, timings.stages[s] && workerRss?.peakBetween(timings.stages[s].start, timings.stages[s].end)]),
      ),
      readerDuringPublish: { queries: latencies.length, errors: during.filter((r) => r.error).length, p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99) },
      readerWholeRun: { queries: readings.length, errors: readings.filter((r) => r.error).length },
      storeMiB: { lake: du(config.lake.dataPath) / 2 ** 20, work: du(config.lake.work.dataPath) / 2 ** 20 },
      completed: result !== undefined,
      status: (await handle.describe()).status.name,
    };
    const out = join(BENCH_DATA, `e2e-${options.customers}${options.stage ? `-${options.stage}` : ''}.json`);
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    printTable(report);
    console.log(`JSON: ${out}`);
  } finally {
    workerRss?.stop();
    await stopChild(reader, 'SIGKILL');
    await Promise.all([worker, ...extractWorkers].map((w) => stopChild(w)));
    await llm?.server.close();
    await client.connection.close();
    await endpoint.stop();
    if (!options.keep) rmSync(home, { recursive: true, force: true });
  }
}

type Handle = Awaited<ReturnType<typeof startProfileRun>>;

/** The run's result, or undefined when it was stopped after --stage. Prints progress every 10 s. */
async function waitFor(handle: Handle, stage: BenchStage | undefined, onStage: (stage: string) => void) {
  const outcome = handle.result().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  let last = 0;
  for (;;) {
    const settled = await Promise.race([outcome, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1_000))]);
    if (settled && 'error' in settled) {
      // A failed run is reported too: the stages it finished are in its history.
      log(`the run failed: ${failureMessage(settled.error)}`);
      return undefined;
    }
    if (settled) return settled.value;
    const progress = await handle.query(progressQuery).catch(() => undefined);
    if (progress) onStage(progress.stage);
    if (stage && progress?.stagesDone.includes(stage)) {
      await handle.terminate(`bench e2e --stage ${stage}: stage done`);
      return undefined;
    }
    if (Date.now() - last > 10_000 && progress) {
      last = Date.now();
      log(`  stage ${progress.stage}; done: ${progress.stagesDone.map((s) => `${s} ${fmt(progress.stageSeconds[s])} s`).join(', ') || 'nothing yet'}`);
    }
  }
}

/** Distinct identities polling a task queue (a fresh dev server per run: every poller listed is this run's). */
async function pollerIdentities(client: Awaited<ReturnType<typeof connectClient>>, taskQueue: string): Promise<Set<string>> {
  // The extraction queue has only activity pollers (the default type asked about is workflow).
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return new Set((response.pollers ?? []).map((p) => p.identity ?? ''));
}

/** 'worker' or 'extractN' for a worker identity (`<pid>@<host>`), else the identity itself. */
function processName(identity: string, main: ChildProcess | undefined, extract: ChildProcess[]): string {
  const pid = Number(identity.split('@')[0]);
  if (pid === main?.pid) return 'worker';
  const i = extract.findIndex((w) => w.pid === pid);
  return i >= 0 ? `extract${i + 1}` : identity;
}

/** How many items fall under each name. */
function countBy<T>(items: readonly T[], name: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[name(item)] = (counts[name(item)] ?? 0) + 1;
  return counts;
}

/** Median seconds of the first and the last ten ranges (in start order). */
function rangeDrift(ranges: Array<{ start: number; end: number }>): { first10Median?: number; last10Median?: number } {
  const sorted = [...ranges].sort((a, b) => a.start - b.start).map((r) => (r.end - r.start) / 1000);
  const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
  return { first10Median: median(sorted.slice(0, 10)), last10Median: median(sorted.slice(-10)) };
}

/** The innermost cause: a workflow failure wraps the activity's. */
function failureMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  const messages: string[] = [];
  while (current) {
    if (current.message) messages.push(current.message);
    current = current.cause as typeof current;
  }
  return messages.join(': ');
}

function rowsPerSecond(rows: number | undefined, secs: number | undefined): number | undefined {
  return rows !== undefined && secs ? rows / secs : undefined;
}

/** The commit the worker runs, with "+dirty" when the tree has changes; "unknown" outside a git checkout. */
function gitHead(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

function printTable(r: {
  options: Options;
  stages: Record<string, { seconds?: number; rows?: number; rowsPerSecond?: number }>;
  load: { duckdbAloneSeconds: number; ratio?: number };
  extraction: {
    reviews?: number;
    uniqueTexts?: number;
    reviewsPerSecond?: number;
    reviewsPerSecondPerCore?: number;
    ranges: number;
    rangeSeconds: { first10Median?: number; last10Median?: number };
    rangesByWorker: Record<string, number>;
  };
  trainSteps?: Record<string, number>;
  llm?: LlmFigures;
  temporal: { wallSeconds: number; activeSeconds: number; overhead: number };
  peakRssMiB: Record<string, number | undefined>;
  workerPeakRssByStageMiB: Record<string, number | undefined>;
  readerDuringPublish: { queries: number; errors: number; p50Ms?: number; p99Ms?: number };
  machine: { loadAverageAtStart: number[] };
  status: string;
}): void {
  const lines = [
    `e2e bench: ${r.options.customers.toLocaleString('en-US')} customers, ${r.options.provider} extractor, k = ${r.options.k}${r.options.stage ? `, stopped after ${r.options.stage}` : ''}; run ${r.status}; load average at start ${r.machine.loadAverageAtStart.map((n) => n.toFixed(2)).join(' ')}`,
    '',
    '| stage | wall s | rows | rows/s |',
    '|---|---|---|---|',
    ...STAGES.map((s) => `| ${s} | ${fmt(r.stages[s]?.seconds)} | ${int(r.stages[s]?.rows)} | ${int(r.stages[s]?.rowsPerSecond)} |`),
    `| whole run (Temporal wall) | ${fmt(r.temporal.wallSeconds)} | | |`,
    '',
    '| figure | measured | goal |',
    '|---|---|---|',
    `| load vs DuckDB alone (${fmt(r.load.duckdbAloneSeconds)} s into typed tables) | ratio ${fmt(r.load.ratio, 2)} | >= 0.5 |`,
    `| extract | ${int(r.extraction.reviewsPerSecond)} reviews/s (${int(r.extraction.reviewsPerSecondPerCore)} per core), ${int(r.extraction.uniqueTexts)} unique texts of ${int(r.extraction.reviews)} reviews, ${r.extraction.ranges} ranges (median s, first 10 / last 10: ${fmt(r.extraction.rangeSeconds.first10Median, 2)} / ${fmt(r.extraction.rangeSeconds.last10Median, 2)}) | report |`,
    `| train steps (s) | ${r.trainSteps ? Object.entries(r.trainSteps).map(([step, s]) => `${step} ${fmt(s)}`).join(', ') : '–'} | report |`,
    ...(r.llm
      ? [
          `| extract through the test server at ${int(r.llm.tpm)} tokens/min (${r.llm.latencyMs} ms latency), ${r.options.extractWorkers} extraction-only workers (ranges: ${Object.entries(r.extraction.rangesByWorker).map(([p, n]) => `${p} ${n}`).join(', ')}) | ${fmt((r.llm.limitShare ?? NaN) * 100)}% of the token limit used (${int(r.llm.tokens)} tokens; ${fmt((r.llm.limitShareOverRequestSpan ?? NaN) * 100)}% from first to last request), ${fmt((r.llm.throttledShare ?? NaN) * 100, 2)}% of ${int(r.llm.requests)} requests answered 429 | >= 90%, <= 2% |`,
        ]
      : []),
    `| Temporal overhead (wall − activities executing) / wall | ${fmt(r.temporal.overhead * 100, 2)}% (${fmt(r.temporal.activeSeconds)} of ${fmt(r.temporal.wallSeconds)} s active) | <= 5% |`,
    `| peak RSS, MiB | ${Object.entries(r.peakRssMiB).map(([p, v]) => `${p} ${int(v)}`).join(', ')} | <= 6144 each |`,
    `| worker RSS by stage, MiB (largest of one sample a second) | ${Object.entries(r.workerPeakRssByStageMiB).map(([s, v]) => `${s} ${int(v)}`).join(', ')} | report |`,
    `| reader during publish (select count(*) from current_profiles) | ${r.readerDuringPublish.queries} queries, p50 ${fmt(r.readerDuringPublish.p50Ms)} ms, p99 ${fmt(r.readerDuringPublish.p99Ms)} ms, ${r.readerDuringPublish.errors} errors | p99 <= 1000 ms |`,
  ];
  console.log(lines.join('\n'));
}
