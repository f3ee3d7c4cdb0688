import { performance } from 'node:perf_hooks';
import type { FeatureRow } from '../activities/model/feature-row.ts';
import { syntheticFeatureRows } from '../test/support/synthetic-feature-rows.ts';
import { stallsDuring } from '../test/support/event-loop-stalls.ts';
import { fitModelAsync } from '../activities/model/fit-model.ts';
import { customerValueScorer, DEFAULT_CLV_HORIZON_DAYS, fitCustomerValueAsync } from '../activities/model/clv/customer-value.ts';
import { customerReasons, reasonModel } from '../activities/model/segment-reasons.ts';
import { buildSegmentCards } from '../activities/model/segment-cards.ts';
import type { Session } from '../activities/warehouse/warehouse.ts';

/**
 * `npm run bench -- train-stall [--customers 100000]`
 *
 * The longest event-loop stall of each step of the train stage's model code
 * (fit, customer value fit and scoring, reasons, rule cards) on synthetic
 * feature rows. The activity's heartbeat timer (heartbeat-while.ts) fires only
 * when the loop is free, so a stall near the 30 s heartbeat timeout on a busy
 * machine fails the activity (issue 12). Printed: per step its wall time and
 * the longest gap between two ticks of a 10 ms interval (the stall). The
 * per-customer passes are timed whole: in the activity (train.ts) they pause
 * inside and between them, so their figure bounds the stall they can cause.
 * The synthetic rows have no dropout, which drives MBG/NBD's a and b towards
 * infinity: the likelihood fit runs far longer than on real data (a stress case).
 */
function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Prints the work's wall time and its longest event-loop stall. */
async function measure<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  const { result, elapsed, ticks, longest } = await stallsDuring(work);
  console.log(
    `${name.padEnd(30)} wall ${(elapsed / 1000).toFixed(2).padStart(6)} s  longest stall ${(longest / 1000).toFixed(3).padStart(6)} s  (${ticks} ticks)`,
  );
  return result;
}

export async function run(args: string[]): Promise<void> {
  const n = Number(option(args, '--customers') ?? 100_000);
  const rows = syntheticFeatureRows(n) as Array<FeatureRow & Record<string, unknown>>;
  console.log(`train stage model code on ${n} synthetic customers (node ${process.version})`);
  const total = performance.now();
  const fitted = await measure('fitModelAsync', () => fitModelAsync(rows));
  const valueModel = await measure('fitCustomerValueAsync', () => fitCustomerValueAsync(rows, DEFAULT_CLV_HORIZON_DAYS));
  await measure('customer value scoring', () => {
    const score = customerValueScorer(valueModel!);
    return rows.map((row) => score(row));
  });
  const reasons = await measure('reasonModel', () => reasonModel(rows, fitted.segmentation.centroids));
  await measure('customerReasons', () => rows.map((row, i) => customerReasons(reasons, fitted.segmentation.assignments[i]!, row)));
  const members = fitted.segmentation.centroids.map((_, c) => fitted.segmentation.assignments.flatMap((a, i) => (a === c ? [i] : [])));
  // Without a card writer buildSegmentCards reads no session (rule cards only).
  await measure('buildSegmentCards (rules)', () =>
    buildSegmentCards(undefined as unknown as Session, 'unused', rows,
      members.map((m, c) => ({ segmentId: c, members: m })), reasons),
  );
  console.log(`total ${((performance.now() - total) / 1000).toFixed(1)} s, k = ${fitted.segmentation.k}`);
}
