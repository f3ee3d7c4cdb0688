import { renameSync, rmSync, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { withOutputsSession } from '../outputs-reader.ts';
import { literal } from '../../activities/warehouse/sql-quote.ts';
import { UsageError } from '../usage-error.ts';
import { DataError } from '../cli-errors.ts';

const TABLES = ['profiles', 'segments'] as const;

/** `personaflow export --version N --out file.parquet`: one version as Parquet, from the readers' file. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .requiredOption('--out <file>', 'the Parquet file to write')
    .option('--version <n>', 'the version (default: the current one)')
    .option('--table <table>', `what to export: ${TABLES.join(' or ')}`, 'profiles')
    .option('--json', 'print what was written as JSON')
    .action((options: ExportFlags) => exportVersion(options));
}

interface ExportFlags {
  out: string;
  version?: string;
  table: string;
  json?: boolean;
}

async function exportVersion(options: ExportFlags): Promise<void> {
  const table = TABLES.find((t) => t === options.table);
  if (!table) throw new UsageError(`--table ${options.table}: expected one of ${TABLES.join(', ')}`);
  const asked = options.version === undefined ? undefined : Number(options.version);
  if (asked !== undefined && !(Number.isInteger(asked) && asked >= 1)) {
    throw new UsageError(`--version ${options.version}: must be a positive integer`);
  }
  const out = resolve(options.out);
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) {
    throw new UsageError(`--out ${options.out}: folder ${dirname(out)} does not exist`);
  }
  // The reader may write exactly one file: the temporary one renamed into place below.
  const tmp = `${out}.${process.pid}.tmp`;
  const written = await withOutputsSession(loadConfig().lake, async (s) => {
    const version =
      asked ?? (await s.one<{ v: number | null }>('SELECT max(version) AS v FROM profile_versions'))?.v ?? undefined;
    if (version === undefined || version === null) throw new DataError('no version has been published yet');
    const rows = (await s.one<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE version = $1`, [version]))!.n;
    if (rows === 0) {
      throw new DataError(`version ${version} has no ${table}: never published, or removed by retention (pin versions to keep them)`);
    }
    // Written beside the target and renamed into place: a reader of the file
    // never sees half a Parquet file. `version` is a checked integer.
    try {
      await s.run(`COPY (SELECT * FROM ${table} WHERE version = ${version} ORDER BY ALL) TO ${literal(tmp)} (FORMAT parquet)`);
      renameSync(tmp, out);
    } finally {
      rmSync(tmp, { force: true });
    }
    return { version, rows };
  }, { readablePaths: [tmp] });
  if (options.json) console.log(JSON.stringify({ table, version: written.version, rows: written.rows, out }, null, 2));
  else console.log(`wrote ${written.rows} ${table} rows of version ${written.version} to ${out}`);
}
