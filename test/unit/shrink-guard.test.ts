// A run that would replace the current version with a much emptier one needs
// force (data contract, Bad input): the rules, and the queries that feed them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShrinkGuardError } from '../../activities/errors.ts';
import { enforceShrinkGuard, shrinkReasons, type VersionShape } from '../../activities/shrink-guard.ts';
import { Warehouse } from '../../activities/warehouse/warehouse.ts';

const shape = (customers: number, withOrders: number, withSessions = 0, withReviews = 0): VersionShape => ({
  customers,
  withOrders,
  withSessions,
  withReviews,
});

describe('shrinkReasons', () => {
  it('lets an ordinary change through', () => {
    expect(shrinkReasons(shape(1000, 800, 500, 200), shape(990, 790, 480, 210))).toEqual([]);
    expect(shrinkReasons(shape(1000, 800), shape(600, 401))).toEqual([]); // down, but by less than half
  });

  it('stops customers with orders falling by more than half', () => {
    expect(shrinkReasons(shape(1000, 800), shape(1000, 399))).toEqual(['customers with orders fell from 800 to 399 (more than half)']);
  });

  it('stops a table that is now empty, and customers halved', () => {
    expect(shrinkReasons(shape(1000, 800, 500, 200), shape(400, 400, 0, 0))).toEqual([
      'customers fell from 1000 to 400 (more than half)',
      'no customer has sessions any more (500 had in the current version)',
      'no customer has reviews any more (200 had in the current version)',
    ]);
  });

  it('has nothing to compare against in a first version', () => {
    expect(shrinkReasons(shape(0, 0), shape(5, 0))).toEqual([]);
  });
});

describe('enforceShrinkGuard', () => {
  let warehouse: Warehouse;
  beforeEach(async () => {
    warehouse = await Warehouse.open(':memory:');
    // Only the columns the guard reads, with the warehouse's names.
    await warehouse.withSession(async (s) => {
      await s.run('CREATE TABLE profile_versions (version INTEGER)');
      await s.run('CREATE TABLE profiles (version INTEGER, customer_id VARCHAR, as_of TIMESTAMPTZ, frequency INTEGER, sessions_per_month DOUBLE, review_count INTEGER)');
      await s.run('CREATE TABLE run_inputs (run_id VARCHAR, force BOOLEAN)');
      await s.run('CREATE SCHEMA run_new');
      await s.run('CREATE TABLE run_new.features (customer_id VARCHAR, frequency INTEGER, sessions_per_month DOUBLE, review_count INTEGER)');
    });
  });
  afterEach(() => warehouse.close());

  const guard = (force?: boolean, asOf = '2026-11-01T00:00:00Z') =>
    warehouse.withSession(async (s) => {
      if (force !== undefined) await s.run('INSERT INTO run_inputs VALUES ($1, $2)', ['new', force]);
      await enforceShrinkGuard(s, { runId: 'new', schema: 'run_new', asOf });
    });

  it('passes when nothing was published yet', async () => {
    await warehouse.withSession((s) => s.run(`INSERT INTO run_new.features VALUES ('c1', 0, 0, 0)`));
    await expect(guard()).resolves.toBeUndefined();
  });

  it('compares with the newest version only, and needs force for a header-only-like orders export', async () => {
    await warehouse.withSession(async (s) => {
      await s.run('INSERT INTO profile_versions VALUES (1), (2)');
      // Version 1 was tiny; version 2 (current) has 4 customers with orders and sessions.
      await s.run(`INSERT INTO profiles VALUES (1, 'c1', '2026-09-01', 0, 0, 0)`);
      await s.run(`INSERT INTO profiles SELECT 2, 'c' || i, '2026-10-01', 3, 1.5, 1 FROM range(4) t(i)`);
      // The new run: the same customers, one with orders, no sessions.
      await s.run(`INSERT INTO run_new.features SELECT 'c' || i, CASE WHEN i = 0 THEN 1 ELSE 0 END, 0, 1 FROM range(4) t(i)`);
    });
    const error = await guard(false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShrinkGuardError);
    expect((error as Error).message).toBe(
      'this run would replace version 2 with a much emptier one: customers with orders fell from 4 to 1 (more than half); ' +
        'no customer has sessions any more (4 had in the current version). ' +
        'If the source really shrank, run again with --force (input "force": true); otherwise check the source folder',
    );
    // A backfill as of an earlier time is not compared with the current version.
    await warehouse.withSession((s) => s.run('DELETE FROM run_inputs'));
    await expect(guard(false, '2026-06-01T00:00:00Z')).resolves.toBeUndefined();
    await warehouse.withSession((s) => s.run('DELETE FROM run_inputs'));
    await expect(guard(true)).resolves.toBeUndefined();
  });
});
