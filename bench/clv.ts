import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipelineFeatures } from './quality-features.ts';
import { customerValue, fitCustomerValue, summaryOf, type CustomerValue } from '../activities/model/clv/customer-value.ts';
import { fitBgNbd, probabilityAlive } from '../activities/model/clv/bgnbd.ts';
import { clvThresholds, clvTier, modelChurnRisk } from '../activities/model/profile-rules.ts';
import { rocAuc } from './roc-auc.ts';

/**
 * `npm run bench -- clv [--horizon 181]`
 *
 * MBG/NBD (the product's model) and BG/NBD, + Gamma-Gamma, on real transactions (CDNOW, shipped by PyPI lifetimes
 * 0.11.3), through the pipeline's own code: CDNOW is written as a source
 * folder (orders; customers derived), loaded, featured by the feature SQL and
 * fitted by activities/model/clv, as of 1998-01-01; then
 * - parameters against lifetimes' ModifiedBetaGeoFitter, BetaGeoFitter and
 *   GammaGammaFitter on the same transactions (bench/clv_lifetimes.py; goal:
 *   within 1%);
 * - January-June 1998 as the outcome: AUC for "no order in the next 6 months"
 *   of 1 - p_alive (MBG/NBD's and, for comparison, BG/NBD's), of P(no order in the horizon) (what churn_risk bins), of
 *   churn_risk itself and of recency alone; the next half-year's spend captured
 *   by the top value tier against lifetimes' BG/NBD + Gamma-Gamma top N (goal: >=).
 * - with --scales 100000,1000000: the fit and scoring time on CDNOW's feature
 *   rows resampled to that many customers (T and recency jittered by whole days).
 * Installs lifetimes==0.11.3 into .tools/bench-venv when it is missing (the
 * same venv the training bench uses for scikit-learn).
 */
const AS_OF = '1998-01-01T00:00:00Z';
const OUTCOME_END = '1998-06-30';

interface Transaction {
  id: string;
  day: string;
  value: number;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function readCdnow(path: string): Transaction[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length === 4)
    .map(([id, date, , value]) => ({ id: id!, day: `${date!.slice(0, 4)}-${date!.slice(4, 6)}-${date!.slice(6, 8)}`, value: Number(value) }));
}

/** CDNOW as a personaflow source folder: one order per transaction line, quantity 1. */
function writeSource(dir: string, transactions: Transaction[]): void {
  mkdirSync(dir, { recursive: true });
  const ids = [...new Set(transactions.map((t) => t.id))].sort();
  writeFileSync(join(dir, 'customers.csv'), `customer_id\n${ids.join('\n')}\n`);
  const lines = transactions.map((t, i) => `o${i},${t.id},${t.day}T00:00:00Z,1,${t.value.toFixed(2)}`);
  writeFileSync(join(dir, 'orders.csv'), `order_id,customer_id,ordered_at,quantity,unit_price\n${lines.join('\n')}\n`);
}

function relative(ours: number, theirs: number): string {
  return `${(((ours - theirs) / theirs) * 100).toFixed(3)}%`;
}

export async function run(args: string[]): Promise<void> {
  const horizon = Number(option(args, '--horizon') ?? 181); // 1998-01-01 .. 1998-06-30
  const python = resolve('.tools/bench-venv/bin/python');
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', resolve('.tools/bench-venv')], { stdio: 'inherit' });
  const lib = resolve('.tools/bench-venv/lib');
  const findCdnow = () =>
    (existsSync(lib) ? readdirSync(lib) : [])
      .map((version) => join(lib, version, 'site-packages/lifetimes/datasets/CDNOW_master.txt'))
      .find((path) => existsSync(path));
  let cdnow = findCdnow();
  if (cdnow === undefined) {
    // Bench-only reference (and the CDNOW data): pinned, from PyPI, into the project's .tools/.
    console.log('installing lifetimes==0.11.3 into .tools/bench-venv (bench reference and CDNOW data)');
    execFileSync(python, ['-m', 'pip', 'install', '-q', 'lifetimes==0.11.3'], { stdio: 'inherit' });
    cdnow = findCdnow();
    if (cdnow === undefined) throw new Error(`lifetimes installed but no CDNOW_master.txt under ${lib}`);
  }
  const transactions = readCdnow(cdnow);
  const source = resolve('.personaflow/bench/cdnow');
  if (!existsSync(join(source, 'orders.csv'))) writeSource(source, transactions);

  const rows = await pipelineFeatures(source, AS_OF);
  const started = performance.now();
  const model = fitCustomerValue(rows, horizon);
  const seconds = (performance.now() - started) / 1000;
  if (model === undefined || model.gammaGamma === null) throw new Error('CDNOW gave no MBG/NBD + Gamma-Gamma model');
  const values = rows.map((row) => customerValue(model, row));

  const reference = JSON.parse(
    execFileSync(python, [resolve('bench/clv_lifetimes.py'), cdnow, AS_OF.slice(0, 10), String(horizon)], { encoding: 'utf8', maxBuffer: 1 << 28 }),
  ) as {
    bgnbd: Record<string, number>;
    mbgnbd: Record<string, number>;
    gammaGamma: Record<string, number>;
    customers: number;
    value: Record<string, number>;
  };
  // BG/NBD on the same summaries, for the parameter check and its p_alive AUC.
  const summaries = rows.map(summaryOf);
  const plain = fitBgNbd(summaries.filter((x) => x !== undefined), 'bg').params;

  console.log(`\nCDNOW as of ${AS_OF.slice(0, 10)}: ${rows.length} customers (${model.fittedOn.repeatBuyers} repeat buyers), horizon ${horizon} days`);
  console.log(`  fit (MBG/NBD + Gamma-Gamma)  ${seconds.toFixed(2)} s`);
  let worst = 0;
  const compared: Array<[string, Record<string, number>, Record<string, number>]> = [
    ['MBG/NBD', model.bgnbd as unknown as Record<string, number>, reference.mbgnbd],
    ['BG/NBD', plain as unknown as Record<string, number>, reference.bgnbd],
    ['Gamma-Gamma', model.gammaGamma as unknown as Record<string, number>, reference.gammaGamma],
  ];
  for (const [label, ours, theirs] of compared) {
    for (const [name, value] of Object.entries(ours)) {
      const reference = theirs[name]!;
      worst = Math.max(worst, Math.abs((value - reference) / reference));
      console.log(`  ${label.padEnd(11)} ${name.padEnd(6)} ours ${value.toPrecision(6).padStart(10)}  lifetimes ${reference.toPrecision(6).padStart(10)}  ${relative(value, reference)}`);
    }
  }

  // Outcome: orders and spend from 1998-01-02 through 1998-06-30 (the as-of day itself is in the calibration data).
  const later = new Map<string, number>();
  for (const t of transactions) if (t.day > AS_OF.slice(0, 10) && t.day <= OUTCOME_END) later.set(t.id, (later.get(t.id) ?? 0) + t.value);
  const noOrder = rows.map((r) => (later.has(r.customer_id) ? 0 : 1));
  const scored = values as CustomerValue[];
  const aucAlive = rocAuc(scored.map((v) => 1 - v.pAlive), noOrder);
  const aucAlivePlain = rocAuc(summaries.map((x) => 1 - (x === undefined ? 1 : probabilityAlive(plain, x, 'bg'))), noOrder);
  const aucNoOrder = rocAuc(scored.map((v) => v.pNoOrder), noOrder);
  const aucExpected = rocAuc(scored.map((v) => -v.expectedOrders), noOrder);
  const aucRecency = rocAuc(rows.map((r) => r.recency_days ?? Infinity), noOrder);
  const risk = rows.map((r, i) => ({ low: 0, medium: 1, high: 2 })[modelChurnRisk(values[i], r)]);
  const aucRisk = rocAuc(risk, noOrder);

  const thresholds = clvThresholds(values);
  const top = rows.map((_, i) => clvTier(values[i], thresholds) === 'high');
  const n = top.filter(Boolean).length;
  const totalLater = [...later.values()].reduce((a, b) => a + b, 0);
  const spendOf = (ids: Iterable<string>) => [...ids].reduce((sum, id) => sum + (later.get(id) ?? 0), 0);
  const ourShare = spendOf(rows.filter((_, i) => top[i]).map((r) => r.customer_id)) / totalLater;
  const theirTop = Object.entries(reference.value).sort((a, b) => b[1] - a[1]).slice(0, n).map(([id]) => id);
  const theirShare = spendOf(theirTop) / totalLater;

  console.log('\n| figure | value | goal |');
  console.log('|---|---|---|');
  console.log(`| MBG/NBD, BG/NBD and Gamma-Gamma parameters vs lifetimes, worst relative difference | ${(worst * 100).toFixed(3)}% | <= 1% |`);
  console.log(`| AUC of 1 - p_alive (MBG/NBD, published), "no order Jan-Jun 1998" | ${aucAlive.toFixed(3)} | >= 0.80 |`);
  console.log(`| AUC of 1 - p_alive under plain BG/NBD (one-order customers all 1) | ${aucAlivePlain.toFixed(3)} | |`);
  console.log(`| AUC of P(no order in the horizon) (from p_alive; churn_risk bins it) | ${aucNoOrder.toFixed(3)} | >= 0.80 |`);
  console.log(`| AUC of churn_risk (3 levels) | ${aucRisk.toFixed(3)} | |`);
  console.log(`| AUC of -expected_orders | ${aucExpected.toFixed(3)} | |`);
  console.log(`| AUC of recency alone | ${aucRecency.toFixed(3)} | |`);
  console.log(`| next-half-year spend captured by value_tier high (${n} customers) vs lifetimes' top ${n} | ${(ourShare * 100).toFixed(1)}% vs ${(theirShare * 100).toFixed(1)}% | >= |`);

  const scales = (option(args, '--scales') ?? '').split(',').filter(Boolean).map(Number);
  for (const scale of scales) {
    let state = 12345;
    const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
    const big = Array.from({ length: scale }, (_, i) => {
      const row = rows[Math.floor(random() * rows.length)]!;
      if (row.customer_age_days == null) return row;
      const shift = Math.floor(random() * 7);
      return { ...row, customer_id: `x${i}`, customer_age_days: row.customer_age_days + shift, recency_days: (row.recency_days ?? 0) + shift };
    });
    const t0 = performance.now();
    const fitted = fitCustomerValue(big, horizon)!;
    const t1 = performance.now();
    for (const row of big) customerValue(fitted, row);
    const t2 = performance.now();
    console.log(`  ${scale} customers: fit ${((t1 - t0) / 1000).toFixed(2)} s (on ${fitted.fittedOn.sampled ? 'a sample' : 'all buyers'}), scoring ${((t2 - t1) / 1000).toFixed(2)} s`);
  }
}
