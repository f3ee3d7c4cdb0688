// The bad-input rules of docs/data-contract.md (section Bad input) and issue 10
// item 6, each on a copy of the sample changed in one way, through
// `personaflow run` as a user runs it: the run fails at once naming the file
// and DuckDB's reason, or it publishes with the broken row in rejected_rows.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { errorLine, secondsSince, type ChaosCase, type CaseOutcome } from './case.ts';
import { AS_OF, type CaseContext, type Store } from './harness.ts';
import type { StoreExpectation } from './invariants.ts';

/** Runs one SQL statement in a scratch DuckDB (rewriting a Parquet file of the sample). */
async function duck(sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const sq = (s: string) => `'${s.replaceAll("'", "''")}'`;

interface InputCase {
  name: string;
  /** Changes the copy of the sample. */
  change(dir: string): Promise<void> | void;
  /** Fails with a message matching this (exit code 3), or publishes (then `rejected` rows of `table` must be in rejected_rows). */
  fails?: RegExp;
  publishes?: { table?: string; rejected?: RegExp; check?: (ctx: CaseContext, store: Store) => Promise<string[]> };
}

const CSV_LINE_LIMIT = 2_000_000;

const CASES: InputCase[] = [
  {
    name: 'header-only orders',
    change: (dir) => {
      rmSync(join(dir, 'orders.parquet'));
      writeFileSync(join(dir, 'orders.csv'), 'order_id,customer_id,ordered_at,unit_price\n');
    },
    fails: /orders\.csv: required table orders has no rows/,
  },
  {
    name: 'empty optional reviews',
    change: (dir) => {
      rmSync(join(dir, 'reviews.jsonl'));
      writeFileSync(join(dir, 'reviews.csv'), '');
    },
    publishes: {},
  },
  {
    name: 'one CSV line over DuckDB\'s line limit',
    change: (dir) => appendFileSync(join(dir, 'customers.csv'), `CX-LONG,2024-01-01T00:00:00Z,DE,1980,${'x'.repeat(CSV_LINE_LIMIT + 1_000)}\n`),
    publishes: { table: 'customers', rejected: /line|maximum|size/i },
  },
  {
    name: 'one JSONL line over DuckDB\'s object limit (17 MB)',
    change: (dir) =>
      appendFileSync(
        join(dir, 'reviews.jsonl'),
        `${JSON.stringify({ review_id: 'RX-LONG', customer_id: 'C000001', created_at: '2026-01-01T00:00:00Z', rating: 3, text: 'y'.repeat(17_000_000) })}\n`,
      ),
    publishes: { table: 'reviews', rejected: /size|maximum|object|line|over 1 MB/i },
  },
  {
    name: 'latin-1 customers file',
    change: (dir) => {
      const text = `${readFileSync(join(dir, 'customers.csv'), 'utf8')}CX-LATIN,2024-01-01T00:00:00Z,Köln,1980,\n`;
      writeFileSync(join(dir, 'customers.csv'), Buffer.from(text, 'latin1'));
    },
    fails: /customers\.csv.*not utf-8/i,
  },
  {
    name: 'an order before its customer\'s signup (a guest checkout)',
    change: async (dir) => {
      const orders = join(dir, 'orders.parquet');
      const next = join(dir, 'orders-next.parquet');
      await duck(
        `COPY (SELECT * FROM read_parquet(${sq(orders)})
               UNION ALL
               SELECT * REPLACE ('OGUEST1' AS order_id, TIMESTAMPTZ '2020-01-01 00:00:00+00' AS ordered_at)
               FROM (SELECT * FROM read_parquet(${sq(orders)}) WHERE status = 'completed' LIMIT 1))
         TO ${sq(next)} (FORMAT parquet)`,
      );
      rmSync(orders);
      await duck(`COPY (SELECT * FROM read_parquet(${sq(next)})) TO ${sq(orders)} (FORMAT parquet)`);
      rmSync(next);
    },
    publishes: {
      check: async (ctx, store) => {
        const orders = store.results[0]?.tables.orders;
        const baseline = ctx.suite.baselineOrders;
        return orders && baseline !== undefined && orders.loaded !== baseline + 1 ? [`${orders.loaded} orders loaded, expected ${baseline} + the guest order`] : [];
      },
    },
  },
  {
    name: 'rejected share over the limit (then the suggested query returns the rejects)',
    change: (dir) => {
      const sessions = readFileSync(join(dir, 'sessions.jsonl'), 'utf8').split('\n').filter(Boolean).length;
      const lines = Array.from({ length: Math.ceil(sessions * 0.1) }, (_, i) =>
        JSON.stringify({ session_id: `SBAD${i}`, customer_id: 'C000001', started_at: '2026-01-01T00:00:00Z', duration_s: -5 }),
      );
      appendFileSync(join(dir, 'sessions.jsonl'), `${lines.join('\n')}\n`);
    },
    fails: /sessions.*over the limit/,
  },
  {
    name: 'missing required column',
    change: (dir) => {
      const lines = readFileSync(join(dir, 'customers.csv'), 'utf8').split('\n');
      writeFileSync(join(dir, 'customers.csv'), lines.map((l) => l.split(',').slice(1).join(',')).join('\n'));
    },
    fails: /customers\.csv.*customer_id/,
  },
  {
    name: 'missing required table',
    change: (dir) => rmSync(join(dir, 'customers.csv')),
    fails: /customers/,
  },
  {
    name: 'a file DuckDB cannot read',
    change: (dir) => writeFileSync(join(dir, 'orders.parquet'), 'this is not a parquet file'),
    fails: /orders\.parquet/,
  },
];

function inputCase(c: InputCase): ChaosCase {
  return {
    group: 'bad input',
    name: `bad input: ${c.name}`,
    async run(ctx): Promise<CaseOutcome> {
      const source = ctx.suite.copySample(c.name.replace(/\W+/g, '-'));
      await c.change(source);
      const store = ctx.store();
      const started = Date.now();
      const run = await ctx.cli(store, ['run', '--source', source, '--as-of', AS_OF, '--json']);
      const seconds = secondsSince(started);
      const problems: string[] = [];
      const firstLine = errorLine(run.stderr);
      let expectation: StoreExpectation;
      if (c.fails) {
        expectation = { published: 0 };
        if (run.code !== 3) problems.push(`exit ${run.code}, expected 3 (bad input): ${firstLine}`);
        if (!c.fails.test(run.stderr)) problems.push(`the failure does not say ${c.fails}: ${firstLine}`);
        const suggested = /SELECT \* FROM rejected_rows WHERE run_id = '[^']+'(?: AND table_name IN \([^)]*\))?/.exec(run.stderr)?.[0];
        if (suggested) {
          const rows = await ctx.cli(store, ['query', suggested, '--json']);
          const n = rows.code === 0 ? (JSON.parse(rows.stdout) as unknown[]).length : 0;
          if (n === 0) problems.push(`the query the error suggests returned no rows (exit ${rows.code}): ${suggested}`);
        } else if (/rejected_rows/.test(run.stderr)) {
          problems.push('the error mentions rejected_rows without a query that finds them');
        }
      } else {
        expectation = { published: 1 };
        if (run.code !== 0) problems.push(`exit ${run.code}, expected a published version: ${firstLine}`);
        const p = c.publishes!;
        if (run.code === 0 && p.table) {
          const rows = await ctx.cli(store, ['query', `SELECT reason FROM rejected_rows WHERE table_name = '${p.table}' AND length(reason) > 0`, '--json']);
          const reasons = rows.code === 0 ? (JSON.parse(rows.stdout) as Array<{ reason: string }>).map((r) => r.reason) : [];
          if (!reasons.some((r) => p.rejected!.test(r))) problems.push(`no rejected ${p.table} row says ${p.rejected}: ${reasons.slice(0, 2).join(' | ')}`);
        }
        if (run.code === 0 && p.check) problems.push(...(await p.check(ctx, store)));
      }
      return { problems, expect: [[store, expectation]], recoverSeconds: seconds, note: run.code === 0 ? 'published' : firstLine.slice(0, 140) };
    },
  };
}

/** A source whose customers with orders fall by more than half: refused without force, published with it. */
const shrink: ChaosCase = {
  group: 'bad input',
  name: 'bad input: customers with orders down by more than half (needs --force)',
  async run(ctx): Promise<CaseOutcome> {
    const store = ctx.store();
    const problems: string[] = [];
    const first = await ctx.cli(store, ['run', '--source', ctx.suite.sample.dir, '--as-of', AS_OF, '--json']);
    if (first.code !== 0) problems.push(`the first run failed: ${errorLine(first.stderr)}`);
    const source = ctx.suite.copySample('shrink');
    const orders = join(source, 'orders.parquet');
    const kept = join(source, 'orders-kept.parquet');
    await duck(`COPY (SELECT * FROM read_parquet(${sq(orders)}) WHERE customer_id <= 'C000060') TO ${sq(kept)} (FORMAT parquet)`);
    rmSync(orders);
    await duck(`COPY (SELECT * FROM read_parquet(${sq(kept)})) TO ${sq(orders)} (FORMAT parquet)`);
    rmSync(kept);
    const started = Date.now();
    const refused = await ctx.cli(store, ['run', '--source', source, '--as-of', AS_OF, '--json']);
    if (refused.code === 0) problems.push('a much emptier version was published without --force');
    else if (!/--force/.test(refused.stderr)) problems.push(`the refusal does not mention --force: ${errorLine(refused.stderr)}`);
    const forced = await ctx.cli(store, ['run', '--source', source, '--as-of', AS_OF, '--force', '--json']);
    if (forced.code !== 0) problems.push(`the forced run failed: ${errorLine(forced.stderr)}`);
    return { problems, expect: [[store, { published: 2 }]], recoverSeconds: secondsSince(started) };
  },
};

export function inputCases(): ChaosCase[] {
  return [...CASES.map(inputCase), shrink];
}
