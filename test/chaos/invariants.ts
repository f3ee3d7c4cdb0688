// The invariants of issue 10, checked on a store after every fault case, with
// every process of the case stopped:
// - every run published exactly one complete version, or published nothing and
//   is marked failed with a reason (in `runs` and in Temporal alike);
// - no version is mixed or partial;
// - profile rows equal the customers loaded;
// - rows read = loaded + rejected + after as-of (and read = rows in the files);
// - no temporary file is left under the store;
// - no review text, e-mail, phone number or API key in Temporal history, the
//   logs, what the processes printed, or the readers' tables.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withOutputsSession } from '../../client/outputs-reader.ts';
import { sqliteCatalogFile } from '../../activities/warehouse/lake.ts';
import type { CaseContext, Sample, Store } from './harness.ts';
import { API_KEY } from './harness.ts';

export interface StoreExpectation {
  /** How many runs must have published (undefined: any number). */
  published?: number;
  /** The store's runs read the unchanged sample: counts are checked against its files and the baseline. */
  sample?: Sample;
  /** Customers a clean run of the sample loads (the baseline case's), for rows lost. */
  baselineCustomers?: number;
}

export interface InvariantReport {
  violations: string[];
  rowsLost: number;
}

const EMAIL = /[A-Za-z0-9._%+-]+@example\.(?:com|org|net)/;
const PHONE = /\b\d{3}-555-\d{4}\b|138 ?0013 ?8000/;
/** Names of files that only live while something is being written. */
const TEMPORARY = /\.tmp$|\.tmp\.|\.wal$|\.part$|^\.tmp$|^duckdb_temp/;

type RunRow = {
  run_id: string;
  workflow_id: string;
  status: string;
  error: string | null;
  version: number | null;
  loaded_customers: number | null;
};

type VersionRow = {
  version: number;
  run_id: string;
  model_version: string;
  customers: number;
  segments: number;
  profile_rows: number;
  segment_rows: number;
  profile_models: number;
  kept: boolean;
};

export async function checkStore(ctx: CaseContext, store: Store, expected: StoreExpectation): Promise<InvariantReport> {
  const violations: string[] = [];
  let rowsLost = 0;
  const catalog = sqliteCatalogFile(store.config.lake);
  const hasStore = !catalog || existsSync(catalog);
  const { runs, versions, tableText } = hasStore ? await readStore(store) : { runs: [], versions: [], tableText: '' };

  // Publication and status agree, in the store and in Temporal.
  const client = await ctx.client(store.address);
  for (const run of runs) {
    const published = versions.filter((v) => v.run_id === run.run_id);
    if (run.status === 'published') {
      if (published.length !== 1 || published[0]!.version !== run.version) {
        violations.push(`run ${run.run_id} is published but has ${published.length} versions`);
      }
    } else if (run.status === 'failed') {
      if (!run.error) violations.push(`run ${run.run_id} failed without a reason`);
      if (published.length > 0) violations.push(`run ${run.run_id} is marked failed but published version ${published[0]!.version}`);
    } else {
      violations.push(`run ${run.run_id} is still "${run.status}"`);
    }
    const status = await client.workflow
      .getHandle(run.workflow_id)
      .describe()
      .then((d) => d.status.name, (e: Error) => `unknown (${e.message})`);
    const agrees = run.status === 'published' ? status === 'COMPLETED' : status !== 'COMPLETED' && status !== 'RUNNING';
    if (!agrees) violations.push(`run ${run.run_id} is ${run.status} in the store but ${status} in Temporal`);
  }
  const publishedRuns = runs.filter((r) => r.status === 'published').length;
  if (expected.published !== undefined && publishedRuns !== expected.published) {
    violations.push(`${publishedRuns} runs published, expected ${expected.published}`);
  }
  if (versions.length !== publishedRuns) violations.push(`${versions.length} versions for ${publishedRuns} published runs`);

  // Whole versions only.
  for (const v of versions.filter((x) => x.kept)) {
    if (v.profile_rows !== v.customers) violations.push(`version ${v.version} has ${v.profile_rows} profile rows, says ${v.customers}`);
    if (v.segment_rows !== v.segments) violations.push(`version ${v.version} has ${v.segment_rows} segments, says ${v.segments}`);
    if (v.profile_models !== 1) violations.push(`version ${v.version} mixes ${v.profile_models} model versions`);
    const run = runs.find((r) => r.run_id === v.run_id);
    if (run?.loaded_customers !== null && run?.loaded_customers !== undefined && run.loaded_customers !== v.customers) {
      violations.push(`version ${v.version} has ${v.customers} customers, its run loaded ${run.loaded_customers}`);
    }
    if (expected.sample && expected.baselineCustomers !== undefined) rowsLost += Math.max(0, expected.baselineCustomers - v.profile_rows);
  }

  // Every row read is accounted for.
  for (const result of store.results) {
    for (const [table, t] of Object.entries(result.tables)) {
      if (!t) continue;
      if (t.read !== t.loaded + t.rejected + t.afterAsOf) {
        violations.push(`${table}: read ${t.read} != loaded ${t.loaded} + rejected ${t.rejected} + after as-of ${t.afterAsOf}`);
      }
      const inFiles = expected.sample?.summary[table as 'customers' | 'orders' | 'sessions' | 'reviews'];
      if (typeof inFiles === 'number' && t.read !== inFiles) violations.push(`${table}: read ${t.read} of the ${inFiles} rows in the files`);
    }
    if (result.tables.customers && result.customers !== result.tables.customers.loaded) {
      violations.push(`run ${result.runId}: ${result.customers} profiles for ${result.tables.customers.loaded} customers loaded`);
    }
  }

  // Nothing temporary outlives the case.
  for (const file of walk(store.home)) {
    if (TEMPORARY.test(file.split('/').pop()!)) violations.push(`temporary file left: ${file.slice(store.home.length + 1)}`);
  }

  // No private text anywhere a person or another system reads.
  const history = await historiesText(ctx, store);
  if (runs.length > 0 && history === '') violations.push(`no Temporal history found for task queue ${store.taskQueue}: the privacy check would see nothing`);
  const places: Array<[string, string]> = [
    ['Temporal history', history],
    ['logs', logsText(store.home)],
    ['console', store.outputs.join('\n')],
    ['readers\' tables', tableText],
  ];
  const reviews = ctx.suite.sample.reviewTexts.map((t) => t.slice(0, 40));
  for (const [where, text] of places) {
    if (text.includes(API_KEY)) violations.push(`the API key in ${where}`);
    const email = EMAIL.exec(text);
    if (email) violations.push(`an e-mail in ${where}: ${email[0].slice(0, 3)}…`);
    const phone = PHONE.exec(text);
    if (phone) violations.push(`a phone number in ${where}`);
    const review = reviews.find((r) => text.includes(r) || text.includes(JSON.stringify(r).slice(1, -1)));
    if (review) violations.push(`review text in ${where}: "${review.slice(0, 12)}…"`);
  }
  return { violations, rowsLost };
}

async function readStore(store: Store): Promise<{ runs: RunRow[]; versions: VersionRow[]; tableText: string }> {
  return withOutputsSession(store.config.lake, async (s) => {
    const runs = await s.all<RunRow>(
      `SELECT run_id, workflow_id, status, error, version, (row_counts->>'customers')::INTEGER AS loaded_customers FROM runs`,
    );
    const versions = await s.all<VersionRow>(
      `SELECT v.version, v.run_id, v.model_version, v.customers, v.segments,
              (SELECT count(*) FROM profiles p WHERE p.version = v.version)::INTEGER AS profile_rows,
              (SELECT count(*) FROM segments g WHERE g.version = v.version)::INTEGER AS segment_rows,
              (SELECT count(DISTINCT model_version) FROM profiles p WHERE p.version = v.version)::INTEGER AS profile_models,
              EXISTS (SELECT 1 FROM profiles p WHERE p.version = v.version) AS kept
       FROM profile_version_rows v`,
    );
    const tables = await s.all<{ name: string }>(
      `SELECT database_name || '.' || schema_name || '.' || table_name AS name FROM duckdb_tables()
       WHERE NOT internal AND database_name NOT IN ('memory', 'system', 'temp')`,
    );
    const dumps: string[] = [];
    for (const { name } of tables) {
      const rows = await s.all(`SELECT * FROM ${name.split('.').map((p) => `"${p}"`).join('.')}`);
      dumps.push(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    }
    return { runs, versions, tableText: dumps.join('\n') };
  });
}

/** Every workflow of the store's task queue (runs and their extraction children), with payloads decoded. */
async function historiesText(ctx: CaseContext, store: Store): Promise<string> {
  const client = await ctx.client(store.address);
  const parts: string[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${store.taskQueue}'` })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    parts.push(JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)));
  }
  return parts.join('\n');
}

function logsText(home: string): string {
  const dir = join(home, 'logs');
  return existsSync(dir) ? walk(dir).map((f) => readFileSync(f, 'utf8')).join('\n') : '';
}

function walk(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isDirectory()) {
      if (TEMPORARY.test(name)) out.push(path);
      out.push(...walk(path));
    } else {
      out.push(path);
    }
  }
  return out;
}
