import { ShrinkGuardError } from './errors.ts';
import type { Session } from './warehouse/warehouse.ts';

/**
 * The guard against replacing the current version with a much emptier one
 * (data contract, Bad input): a truncated export or a wrong folder loads
 * cleanly and would otherwise publish as current. Such a run needs `force`.
 * The rules are a pure function of two shapes, so they are easy to read and test.
 */

/** What a version looks like, in customers. */
export interface VersionShape {
  customers: number;
  withOrders: number;
  withSessions: number;
  withReviews: number;
}

/** More than this share lost counts as "much emptier". */
export const MAX_SHRINK = 0.5;

/** Why `next` should not replace `current` without force; empty when it may. */
export function shrinkReasons(current: VersionShape, next: VersionShape): string[] {
  const reasons: string[] = [];
  const fell = (what: string, before: number, after: number): void => {
    if (before > 0 && after < before * (1 - MAX_SHRINK)) {
      reasons.push(`${what} fell from ${before} to ${after} (more than half)`);
    }
  };
  fell('customers', current.customers, next.customers);
  fell('customers with orders', current.withOrders, next.withOrders);
  for (const [table, before, after] of [
    ['sessions', current.withSessions, next.withSessions],
    ['reviews', current.withReviews, next.withReviews],
  ] as const) {
    if (before > 0 && after === 0) reasons.push(`no customer has ${table} any more (${before} had in the current version)`);
  }
  return reasons;
}

/** The shape of the current (newest published) version; undefined before the first publication. */
export async function currentShape(s: Session): Promise<{ version: number; asOf: string; shape: VersionShape } | undefined> {
  const row = await s.one<{ version: number | null; as_of: string } & Record<keyof VersionShape, number>>(
    `SELECT max(version) AS version, max(as_of)::VARCHAR AS as_of, count(*)::INTEGER AS customers,
            (count(*) FILTER (WHERE frequency > 0))::INTEGER AS "withOrders",
            (count(*) FILTER (WHERE sessions_per_month > 0))::INTEGER AS "withSessions",
            (count(*) FILTER (WHERE review_count > 0))::INTEGER AS "withReviews"
     FROM profiles WHERE version = (SELECT max(version) FROM profile_versions)`,
  );
  if (!row || row.version === null) return undefined;
  const { version, as_of, ...shape } = row;
  return { version, asOf: as_of, shape };
}

/** The shape of a run's features table (`<schema>.features`, one row per customer). */
export async function runShape(s: Session, schema: string): Promise<VersionShape> {
  const row = await s.one<Record<keyof VersionShape, number>>(
    `SELECT count(*)::INTEGER AS customers,
            (count(*) FILTER (WHERE frequency > 0))::INTEGER AS "withOrders",
            (count(*) FILTER (WHERE sessions_per_month > 0))::INTEGER AS "withSessions",
            (count(*) FILTER (WHERE review_count > 0))::INTEGER AS "withReviews"
     FROM ${schema}.features`,
  );
  return row ?? { customers: 0, withOrders: 0, withSessions: 0, withReviews: 0 };
}

/**
 * Throws ShrinkGuardError when the run's features would make a much emptier
 * version than the current one, unless the run was started with force
 * (run_inputs.force, the same flag that redoes checkpointed stages). Runs as
 * of an earlier time than the current version (backfills) are not compared.
 */
export async function enforceShrinkGuard(s: Session, input: { runId: string; schema: string; asOf: string }): Promise<void> {
  const current = await currentShape(s);
  // A backfill of an earlier as-of time is smaller by nature: only a run as of the same time or later is compared.
  if (!current || new Date(input.asOf).getTime() < new Date(current.asOf).getTime()) return;
  const reasons = shrinkReasons(current.shape, await runShape(s, input.schema));
  if (reasons.length === 0) return;
  const forced = await s.one<{ force: boolean }>('SELECT force FROM run_inputs WHERE run_id = $1', [input.runId]);
  if (forced?.force) return;
  throw new ShrinkGuardError(
    `this run would replace version ${current.version} with a much emptier one: ${reasons.join('; ')}. ` +
      'If the source really shrank, run again with --force (input "force": true); otherwise check the source folder',
    { reasons },
  );
}
