// What every fault case shares: the suite's own Temporal dev server, one
// generated sample per scale, a fresh store (PERSONAFLOW_HOME in a temp
// folder) per case, and the real processes a case starts (`personaflow run`,
// `personaflow worker`), every one of them stopped when the case ends.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ensureDevServer, type TemporalEndpoint } from '../../client/dev-server.ts';
import { loadConfig, type Config } from '../../worker/config.ts';
import { generateSampleData, type SampleSummary } from '../../scripts/sample-data/generate.ts';
import { runCli, startCli, type CliOutcome, type StartedCli } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';

export const AS_OF = '2026-11-01T00:00:00Z';
/** A fake key: it must never show up in Temporal history, logs or the readers' tables. */
export const API_KEY = 'sk-chaos-0123456789abcdefSECRET';
export const WORKER_READY = /worker serving task queue/;

export interface ScaleSpec {
  name: 'small' | 'medium';
  customers: number;
  /** Stages whose dev-server outage is tried (each costs about a minute and a half). */
  serverStages: Array<'load' | 'features' | 'train'>;
  /** Cases running at once: most of a case's time is spent waiting on a timeout. */
  parallel: number;
}

export const SCALES: Record<ScaleSpec['name'], ScaleSpec> = {
  small: { name: 'small', customers: 200, serverStages: ['load', 'train'], parallel: 3 },
  medium: { name: 'medium', customers: 2_000, serverStages: ['load', 'features', 'train'], parallel: 2 },
};

export interface Sample {
  dir: string;
  summary: SampleSummary;
  /** Review texts long enough to recognise anywhere (the privacy invariant looks for them). */
  reviewTexts: string[];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A store of one case: its home, its environment and everything its processes printed. */
export class Store {
  readonly outputs: string[] = [];
  readonly results: ProfileRunResult[] = [];
  constructor(
    readonly name: string,
    readonly home: string,
    readonly env: Record<string, string>,
    readonly address: string,
  ) {}

  get config(): Config {
    return loadConfig(this.env);
  }

  get taskQueue(): string {
    return this.env.PERSONAFLOW_TASK_QUEUE!;
  }
}

export class Suite {
  /** Set by the baseline case (a clean run of the sample): what every clean run must load and publish. */
  baselineCustomers?: number;
  baselineOrders?: number;
  /** The baseline's store (home and task queue), with one published version, for the reader cases. */
  readerStore?: { home: string; taskQueue: string };

  private constructor(
    readonly scale: ScaleSpec,
    readonly root: string,
    readonly server: TemporalEndpoint,
    readonly sample: Sample,
  ) {}

  static async start(scale: ScaleSpec): Promise<Suite> {
    const root = mkdtempSync(join(tmpdir(), `personaflow-chaos-${scale.name}-`));
    const server = await ensureDevServer({
      home: join(root, 'temporal'),
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'default',
      detached: false,
    });
    const dir = join(root, 'sample');
    const summary = await generateSampleData({ outDir: dir, scale: scale.customers, asOf: new Date(AS_OF) });
    const reviewTexts = readFileSync(join(dir, 'reviews.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { text?: unknown }).text)
      .filter((t): t is string => typeof t === 'string' && t.length >= 25);
    return new Suite(scale, root, server, { dir, summary, reviewTexts });
  }

  async stop(): Promise<void> {
    await this.server.stop();
    rmSync(this.root, { recursive: true, force: true });
  }

  /** A copy of the sample to change (bad-input cases). */
  copySample(name: string): string {
    const dir = join(this.root, 'sources', name);
    mkdirSync(dir, { recursive: true });
    cpSync(this.sample.dir, dir, { recursive: true });
    rmSync(join(dir, '_truth'), { recursive: true, force: true });
    return dir;
  }
}

/** What one case does with its processes; stopped when the case ends, whatever happened. */
export class CaseContext {
  readonly stores: Store[] = [];
  private readonly processes: Array<{ process: StartedCli; store: Store }> = [];
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private clients = new Map<string, Client>();

  constructor(
    readonly suite: Suite,
    readonly caseName: string,
  ) {}

  /** A fresh store; its task queue is its own, so its workflows are listed apart from every other case's. */
  store(extraEnv: Record<string, string> = {}, address = this.suite.server.address, home?: string, taskQueue?: string): Store {
    const slug = this.caseName.replace(/[^a-z0-9]+/gi, '-');
    const dir = home ?? mkdtempSync(join(this.suite.root, `${slug}-`));
    const env: Record<string, string> = {
      PERSONAFLOW_HOME: dir,
      TEMPORAL_ADDRESS: address,
      PERSONAFLOW_TASK_QUEUE: taskQueue ?? `chaos-${slug}-${process.pid}-${this.stores.length}`,
      PERSONAFLOW_LLM_PROVIDER: 'offline',
      ...extraEnv,
    };
    const store = new Store(this.caseName, dir, env, address);
    this.stores.push(store);
    return store;
  }

  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** `personaflow <args>` to its end; a run's JSON result is kept for the invariants. */
  async cli(store: Store, args: string[], env: Record<string, string> = {}, timeoutMs = 300_000): Promise<CliOutcome> {
    const outcome = await runCli(args, { ...store.env, ...env }, timeoutMs);
    store.outputs.push(outcome.stdout, outcome.stderr);
    if (args[0] === 'run' && args.includes('--json') && !args.includes('--no-wait') && outcome.code === 0) {
      try {
        store.results.push(JSON.parse(outcome.stdout) as ProfileRunResult);
      } catch {
        throw new Error(`personaflow run --json printed more than its JSON on stdout: ${JSON.stringify(outcome.stdout.slice(0, 400))}`);
      }
    }
    return outcome;
  }

  /** A `personaflow worker` process, ready to serve. */
  async worker(store: Store, env: Record<string, string> = {}): Promise<StartedCli> {
    const worker = await startCli(['worker'], { ...store.env, ...env }, WORKER_READY, 120_000);
    this.processes.push({ process: worker, store });
    return worker;
  }

  async client(address: string): Promise<Client> {
    let client = this.clients.get(address);
    if (!client) {
      client = new Client({ connection: await Connection.connect({ address }) });
      this.clients.set(address, client);
    }
    return client;
  }

  /** Stops every process the case started (SIGTERM, SIGKILL after 15 s); what they printed goes to their store's console. */
  async stopProcesses(): Promise<void> {
    for (const { process: child, store } of this.processes.splice(0)) {
      await kill(child, 'SIGTERM', 15_000);
      store.outputs.push(child.output());
    }
  }

  /** After the invariants: cleanups (servers, mounts, fake endpoints) and clients. */
  async close(): Promise<void> {
    await this.stopProcesses();
    for (const c of this.cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
    for (const client of this.clients.values()) await client.connection.close().catch(() => undefined);
    this.clients.clear();
  }
}

/** Stops a process (SIGKILL after graceMs) and waits for it. */
export async function kill(p: StartedCli, signal: NodeJS.Signals, graceMs = 0): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill(signal);
  if (graceMs > 0) {
    const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  } else {
    await exited;
  }
}

export async function waitForFile(path: string, what: string, withinMs = 180_000): Promise<string> {
  const until = Date.now() + withinMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${what} never happened within ${withinMs / 1000} s`);
    await sleep(100);
  }
  return readFileSync(path, 'utf8');
}
