import { Warehouse } from '../../activities/warehouse/warehouse.ts';

/**
 * Turns a streamed CSV into a typed Parquet file with DuckDB. The CSV is read
 * with explicit column types (no sniffing), so the Parquet schema is the same
 * at every scale: timestamps become TIMESTAMP WITH TIME ZONE (stored as UTC),
 * numbers DOUBLE or INTEGER. Row order is kept, so the same CSV gives the same
 * rows in the same order.
 */

/** DuckDB SQL string literal (paths cannot be bound as parameters in COPY). */
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export async function csvToParquet(
  csvPath: string,
  parquetPath: string,
  columns: Record<string, string>,
  options: { threads?: number; memoryLimit?: string; tempDirectory?: string } = {},
): Promise<number> {
  // A fixed thread count (not "all cores") so the Parquet layout, and so its bytes, is the same on every machine.
  const warehouse = await Warehouse.open(':memory:', { threads: options.threads ?? 2 });
  try {
    return await warehouse.withSession(async (session) => {
      // UTC so TIMESTAMPTZ parsing and any display never depend on the host's zone.
      await session.run("SET TimeZone = 'UTC'");
      await session.run('SET preserve_insertion_order = true');
      // Bounded memory at xlarge: DuckDB spills to disk instead of growing with the file.
      await session.run(`SET memory_limit = ${literal(options.memoryLimit ?? '1GB')}`);
      if (options.tempDirectory) await session.run(`SET temp_directory = ${literal(options.tempDirectory)}`);
      const columnSpec = `{${Object.entries(columns)
        .map(([name, type]) => `${literal(name)}: ${literal(type)}`)
        .join(', ')}}`;
      const select = `SELECT * FROM read_csv(${literal(csvPath)}, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = ${columnSpec})`;
      await session.run(`COPY (${select}) TO ${literal(parquetPath)} (FORMAT parquet, COMPRESSION zstd)`);
      const row = await session.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet(${literal(parquetPath)})`);
      return row?.n ?? 0;
    });
  } finally {
    warehouse.close();
  }
}
