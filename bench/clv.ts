import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipelineFeatures } from './quality-features.ts';
import { customerValueScorer, fitCustomerValue, type CustomerValue, type CustomerValueModel } from '../activities/model/clv/customer-value.ts';
import { paretoExpectedPurchases, paretoProbabilityAlive, paretoProbabilityNoPurchase, type ParetoNbdParams } from '../activities/model/clv/pareto-nbd.ts';
import { clvThresholds, clvTier, modelChurnRisk } from '../activities/model/profile-rules.ts';
import { rocAuc } from './roc-auc.ts';

/**
 * `npm run bench -- clv [--horizon 181]`
 *
 * MBG/NBD (the product's model since release 0.3), Pareto/NBD (a candidate,
 * not published: docs/segmentation.md) and BG/NBD (0.2), + Gamma-Gamma, on real transactions (CDNOW, shipped by PyPI
 * lifetimes 0.11.3), through the pipeline's own code: CDNOW is written as a
 * source folder (orders; customers derived), loaded, featured by the feature
 * SQL and fitted by activities/model/clv, as of 1998-01-01; then
 * - parameters against lifetimes' ParetoNBDFitter, ModifiedBetaGeoFitter,
 *   BetaGeoFitter and GammaGammaFitter on the same transactions
 *   (bench/clv_lifetimes.py; goal: within 1%), and our Pareto/NBD P(alive),
 *   expected purchases and P(no purchase) at lifetimes' parameters against
 *   lifetimes' on every customer;
 * - January-June 1998 as the outcome, for each of the three models: AUC for
 *   "no order in the next 6 months" of 1 - p_alive (goal >= 0.80), of
 *   P(no order in the horizon) (what churn_risk bins) and of -expected_orders;
 *   the next half-year's spend of the top 10% / value tier size / 30% by
 *   predicted_clv; the AUC of churn_risk and of recency alone; and the spend
 *   captured by the published top value tier against lifetimes' BG/NBD +
 *   Gamma-Gamma top N (goal: >=). Ties count half in every AUC (roc-auc.ts).
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
  // Pareto/NBD (a candidate, not the product's: docs/segmentation.md) and plain BG/NBD on the same rows.
  const paretoStarted = performance.now();
  const pareto = fitCustomerValue(rows, horizon, 'pareto-nbd')!;
  const paretoSeconds = (performance.now() - paretoStarted) / 1000;
  const compared = { 'MBG/NBD': model, 'Pareto/NBD': pareto, 'BG/NBD': fitCustomerValue(rows, horizon, 'bgnbd')! };

  const reference = JSON.parse(
    execFileSync(python, [resolve('bench/clv_lifetimes.py'), cdnow, AS_OF.slice(0, 10), String(horizon)], { encoding: 'utf8', maxBuffer: 1 << 28 }),
  ) as {
    bgnbd: Record<string, number>;
    mbgnbd: Record<string, number>;
    paretoNbd: Record<string, number>;
    gammaGamma: Record<string, number>;
    customers: number;
    value: Record<string, number>;
    paretoCustomers: Array<[number, number, number, number, number, number]>;
  };

  console.log(`\nCDNOW as of ${AS_OF.slice(0, 10)}: ${rows.length} customers (${model.fittedOn.repeatBuyers} repeat buyers), horizon ${horizon} days`);
  console.log(`  fit (MBG/NBD + Gamma-Gamma, the product's)  ${seconds.toFixed(2)} s; Pareto/NBD + Gamma-Gamma ${paretoSeconds.toFixed(2)} s`);
  let worst = 0;
  const params = (m: CustomerValueModel) => (m.kind === 'pareto-nbd+gamma-gamma' ? m.paretoNbd : m.bgnbd) as unknown as Record<string, number>;
  const pairs: Array<[string, Record<string, number>, Record<string, number>]> = [
    ['Pareto/NBD', params(compared['Pareto/NBD']), reference.paretoNbd],
    ['MBG/NBD', params(compared['MBG/NBD']), reference.mbgnbd],
    ['BG/NBD', params(compared['BG/NBD']), reference.bgnbd],
    ['Gamma-Gamma', model.gammaGamma as unknown as Record<string, number>, reference.gammaGamma],
  ];
  for (const [label, ours, theirs] of pairs) {
    for (const [name, value] of Object.entries(ours)) {
      const reference = theirs[name]!;
      worst = Math.max(worst, Math.abs((value - reference) / reference));
      console.log(`  ${label.padEnd(11)} ${name.padEnd(6)} ours ${value.toPrecision(6).padStart(10)}  lifetimes ${reference.toPrecision(6).padStart(10)}  ${relative(value, reference)}`);
    }
  }
  // Our Pareto/NBD functions at lifetimes' parameters against lifetimes', on every customer.
  const theirParams = reference.paretoNbd as unknown as ParetoNbdParams;
  const functionGap = { pAlive: 0, expected: 0, noOrder: 0 };
  for (const [x, tx, T, pAlive, expected, noOrder] of reference.paretoCustomers) {
    const s = { x, tx, T };
    functionGap.pAlive = Math.max(functionGap.pAlive, Math.abs(paretoProbabilityAlive(theirParams, s) - pAlive));
    functionGap.expected = Math.max(functionGap.expected, Math.abs(paretoExpectedPurchases(theirParams, s, horizon) / expected - 1));
    functionGap.noOrder = Math.max(functionGap.noOrder, Math.abs(paretoProbabilityNoPurchase(theirParams, s, horizon) - noOrder));
  }
  console.log(
    `  Pareto/NBD functions at lifetimes' parameters, ${reference.paretoCustomers.length} customers: |P(alive) diff| <= ${functionGap.pAlive.toExponential(1)}, ` +
      `expected purchases <= ${(functionGap.expected * 100).toExponential(1)}% relative, |P(no purchase) diff| <= ${functionGap.noOrder.toExponential(1)}`,
  );

  // Outcome: orders and spend from 1998-01-02 through 1998-06-30 (the as-of day itself is in the calibration data).
  const later = new Map<string, number>();
  for (const t of transactions) if (t.day > AS_OF.slice(0, 10) && t.day <= OUTCOME_END) later.set(t.id, (later.get(t.id) ?? 0) + t.value);
  const noOrder = rows.map((r) => (later.has(r.customer_id) ? 0 : 1));
  const totalLater = [...later.values()].reduce((a, b) => a + b, 0);
  const spendOf = (ids: Iterable<string>) => [...ids].reduce((sum, id) => sum + (later.get(id) ?? 0), 0);
  /** Share of the next half-year's spend of the n customers ranked highest by score. */
  const topShare = (score: readonly number[], n: number) =>
    spendOf(score.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, n).map(([, i]) => rows[i]!.customer_id)) / totalLater;
  const theirRank = Object.entries(reference.value).sort((a, b) => b[1] - a[1]).map(([id]) => id);
  const theirTopShare = (n: number) => spendOf(theirRank.slice(0, n)) / totalLater;

  const values = rows.map(customerValueScorer(model));
  const thresholds = clvThresholds(values);
  const top = rows.map((_, i) => clvTier(values[i], thresholds) === 'high');
  const n = top.filter(Boolean).length;
  const ourShare = spendOf(rows.filter((_, i) => top[i]).map((r) => r.customer_id)) / totalLater;
  const risk = rows.map((r, i) => ({ low: 0, medium: 1, high: 2 })[modelChurnRisk(values[i], r)]);
  const tenth = Math.round(rows.length / 10);

  console.log('\n| figure | value | goal |');
  console.log('|---|---|---|');
  console.log(`| Pareto/NBD, MBG/NBD, BG/NBD and Gamma-Gamma parameters vs lifetimes, worst relative difference | ${(worst * 100).toFixed(3)}% | <= 1% |`);
  for (const [label, m] of Object.entries(compared)) {
    const v = rows.map(customerValueScorer(m)) as CustomerValue[];
    const product = m === model ? ' (published)' : '';
    console.log(`| ${label}${product}: AUC of 1 - p_alive, "no order Jan-Jun 1998" | ${rocAuc(v.map((c) => 1 - c.pAlive), noOrder).toFixed(3)} | >= 0.80 |`);
    console.log(`| ${label}: AUC of P(no order in the horizon) / of -expected_orders | ${rocAuc(v.map((c) => c.pNoOrder), noOrder).toFixed(3)} / ${rocAuc(v.map((c) => -c.expectedOrders), noOrder).toFixed(3)} | |`);
    const clv = v.map((c) => c.predictedClv);
    console.log(
      `| ${label}: next-half-year spend of the top ${tenth} / ${n} / ${3 * tenth} by predicted_clv | ` +
        `${[tenth, n, 3 * tenth].map((k) => (topShare(clv, k) * 100).toFixed(2) + '%').join(' / ')} | |`,
    );
  }
  console.log(`| AUC of churn_risk (3 levels, published) | ${rocAuc(risk, noOrder).toFixed(3)} | |`);
  console.log(`| AUC of recency alone | ${rocAuc(rows.map((r) => r.recency_days ?? Infinity), noOrder).toFixed(3)} | |`);
  console.log(
    `| lifetimes' BG/NBD + Gamma-Gamma: next-half-year spend of its top ${tenth} / ${n} / ${3 * tenth} | ` +
      `${[tenth, n, 3 * tenth].map((k) => (theirTopShare(k) * 100).toFixed(2) + '%').join(' / ')} | |`,
  );
  console.log(`| next-half-year spend captured by value_tier high (${n} customers) vs lifetimes' BG/NBD top ${n} | ${(ourShare * 100).toFixed(2)}% vs ${(theirTopShare(n) * 100).toFixed(2)}% | >= |`);

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
    const score = customerValueScorer(fitted);
    for (const row of big) score(row);
    const t2 = performance.now();
    console.log(`  ${scale} customers: fit ${((t1 - t0) / 1000).toFixed(2)} s (on ${fitted.fittedOn.sampled ? 'a sample' : 'all buyers'}), scoring ${((t2 - t1) / 1000).toFixed(2)} s`);
  }
}
