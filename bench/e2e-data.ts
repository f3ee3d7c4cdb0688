// The e2e bench's input: sample data at a scale, generated once and cached
// under .bench-data/<scale>/source (gitignored); a finished generation leaves
// summary.json, so an interrupted one is redone rather than reused.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { PROJECT_ROOT } from '../activities/project-root.ts';
import { customerCount, generateSampleData, SAMPLE_FILES, type SampleSummary } from '../scripts/sample-data/generate.ts';

export const BENCH_DATA = join(PROJECT_ROOT, '.bench-data');
/** The generator's default as-of time: the run is built as of the end of the history. */
export const BENCH_AS_OF = '2026-11-01T00:00:00.000Z';

export interface BenchData {
  dir: string;
  summary: SampleSummary;
  /** Seconds spent generating (0 when cached). */
  generatedSeconds: number;
}

export async function benchData(customers: number, log: (line: string) => void): Promise<BenchData> {
  const dir = join(BENCH_DATA, String(customerCount(customers)), 'source');
  const done = join(dir, '..', 'summary.json');
  if (existsSync(done)) return { dir, summary: JSON.parse(readFileSync(done, 'utf8')) as SampleSummary, generatedSeconds: 0 };
  rmSync(dir, { recursive: true, force: true });
  log(`generating ${customers.toLocaleString('en-US')} customers into ${dir} (cached for later runs)`);
  const t0 = performance.now();
  const summary = await generateSampleData({
    outDir: dir,
    scale: customers,
    asOf: new Date(BENCH_AS_OF),
    onProgress: (n, total) => log(`  ${n.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} customers`),
  });
  writeFileSync(done, JSON.stringify(summary, null, 2));
  return { dir, summary, generatedSeconds: (performance.now() - t0) / 1000 };
}

/** The four contract files of a sample folder. */
export function sampleFiles(dir: string) {
  return {
    customers: join(dir, SAMPLE_FILES.customers),
    orders: join(dir, SAMPLE_FILES.orders),
    sessions: join(dir, SAMPLE_FILES.sessions),
    reviews: join(dir, SAMPLE_FILES.reviews),
  };
}

/** DuckDB alone: the same four files into typed tables, in a scratch database file, timed. */
export async function duckdbAlone(dir: string, scratch: string): Promise<{ seconds: number; rows: number }> {
  const files = sampleFiles(dir);
  const instance = await DuckDBInstance.create(join(scratch, 'alone.duckdb'));
  const connection = await instance.connect();
  try {
    const t0 = performance.now();
    await connection.run(`CREATE TABLE customers AS SELECT * FROM read_csv(?)`, [files.customers]);
    await connection.run(`CREATE TABLE orders AS SELECT * FROM read_parquet(?)`, [files.orders]);
    await connection.run(`CREATE TABLE sessions AS SELECT * FROM read_json(?, format = 'newline_delimited')`, [files.sessions]);
    await connection.run(`CREATE TABLE reviews AS SELECT * FROM read_json(?, format = 'newline_delimited')`, [files.reviews]);
    const seconds = (performance.now() - t0) / 1000;
    const reader = await connection.runAndReadAll(
      `SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM sessions) + (SELECT count(*) FROM reviews) AS n`,
    );
    return { seconds, rows: Number(reader.getRowObjectsJS()[0]!.n) };
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(join(scratch, 'alone.duckdb'), { force: true });
    rmSync(join(scratch, 'alone.duckdb.wal'), { force: true });
  }
}
