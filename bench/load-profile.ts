// `npm run bench -- load-profile --scale N [--rounds 1] [--top 20] [--memory-limit 4GB]`
//
// The load stage alone, statement by statement (issue 12): loadSources on the
// bench data of a scale (.bench-data/<N>/source, made by the e2e bench) into a
// fresh store in a temp folder, with every SQL statement timed, then DuckDB
// alone reading the same four files into typed tables in the same process.
// Prints each table's counts, then per round the ratio (DuckDB alone /
// loadSources), the load average, the `top` slowest statements and the sum of
// all. Without Temporal or a worker, so it moves less than the e2e bench's
// ratio, and shows where the time goes. --memory-limit overrides the worker's
// DuckDB memory_limit, to see what spilling to disk costs.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSources } from '../activities/warehouse/load-sources.ts';
import { embeddedLake } from '../activities/warehouse/lake.ts';
import { ensureWarehouseSchema, runSchema } from '../activities/warehouse/schema.ts';
import { Session, Warehouse, type Params, type Row } from '../activities/warehouse/warehouse.ts';
import { DEFAULT_DUCKDB_MEMORY_LIMIT } from '../worker/config.ts';
import { SCALES, customerCount } from '../scripts/sample-data/generate.ts';
import { BENCH_AS_OF, BENCH_DATA, duckdbAlone } from './e2e-data.ts';

interface Timing {
  sql: string;
  seconds: number;
  /** Process CPU seconds (DuckDB's threads run in this process): cpu / seconds near 2 is both cores busy. */
  cpu: number;
}

/** A session that times every statement it runs. */
class TimedSession extends Session {
  readonly timings: Timing[] = [];

  override async run(sql: string, params?: Params): Promise<void> {
    await this.timed(sql, () => super.run(sql, params));
  }

  override async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.timed(sql, () => super.all<T>(sql, params));
  }

  private async timed<T>(sql: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    try {
      return await fn();
    } finally {
      const cpu = process.cpuUsage(cpu0);
      this.timings.push({ sql, seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 });
    }
  }
}

/** The statement's first words, enough to tell it apart. */
function label(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().slice(0, 110);
}

export async function run(args: string[]): Promise<void> {
  const value = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const scale = value('scale') ?? 'small';
  const customers = customerCount(Object.hasOwn(SCALES, scale) ? (scale as keyof typeof SCALES) : Number(scale));
  const rounds = Number(value('rounds') ?? 1);
  // Never generates: the e2e bench does (and its 1M data may be in use).
  const source = join(BENCH_DATA, String(customers), 'source');
  if (!existsSync(join(source, '..', 'summary.json'))) throw new Error(`no bench data in ${source}: run the e2e bench at this scale first`);
  for (let round = 1; round <= rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'personaflow-load-profile-'));
    try {
      const start = loadavg()[0]!;
      const warehouse = await Warehouse.openLake(embeddedLake(dir), {
        memoryLimit: value('memory-limit') ?? DEFAULT_DUCKDB_MEMORY_LIMIT,
        tempDirectory: join(dir, 'duckdb-tmp'),
      });
      let session: TimedSession | undefined;
      const t0 = performance.now();
      try {
        await warehouse.withSession(ensureWarehouseSchema);
        await warehouse.withSession(async (plain) => {
          session = new TimedSession(plain.raw);
          const summary = await loadSources(session, {
            runId: 'load-profile',
            schema: runSchema('load-profile'),
            sourceDir: source,
            asOf: new Date(BENCH_AS_OF),
            maxRejectShare: 1,
          });
          for (const [table, load] of Object.entries(summary.tables)) {
            if (load) console.log(`${table}: read ${load.read}, loaded ${load.loaded}, rejected ${load.rejected}, after as-of ${load.afterAsOf}`);
          }
        });
      } finally {
        warehouse.close();
      }
      const loadSeconds = (performance.now() - t0) / 1000;
      const alone = (await duckdbAlone(source, dir)).seconds;
      const timings = session?.timings ?? [];
      console.log(`\nround ${round}: loadSources ${loadSeconds.toFixed(2)} s, DuckDB alone ${alone.toFixed(2)} s, ` +
        `ratio ${(alone / loadSeconds).toFixed(2)}, load average ${start.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`);
      console.log('| s | CPU s | statement |\n|---|---|---|');
      for (const t of [...timings].sort((a, b) => b.seconds - a.seconds).slice(0, Number(value('top') ?? 20))) {
        console.log(`| ${t.seconds.toFixed(2)} | ${t.cpu.toFixed(2)} | ${label(t.sql)} |`);
      }
      const sum = (f: (t: Timing) => number) => timings.reduce((total, t) => total + f(t), 0);
      console.log(`| ${sum((t) => t.seconds).toFixed(2)} | ${sum((t) => t.cpu).toFixed(2)} | all ${timings.length} statements |`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
