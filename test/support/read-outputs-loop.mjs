// A data team's reader in its own process: opens the readers' DuckDB file
// read-only again and again and prints one JSON line per read, until killed.
// Usage: node read-outputs-loop.mjs <outputs.duckdb>
import { DuckDBInstance } from '@duckdb/node-api';

const path = process.argv[2];
const SQL = `
  SELECT count(*) AS n,
         count(DISTINCT version) AS versions,
         min(version) AS version,
         (SELECT max(version) FROM profile_versions) AS newest,
         (SELECT customers FROM profile_versions WHERE version = (SELECT max(version) FROM profile_versions)) AS expected
  FROM current_profiles`;

for (;;) {
  let line;
  try {
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    try {
      const connection = await instance.connect();
      try {
        const [row] = (await connection.runAndReadAll(SQL)).getRowObjectsJS();
        line = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  } catch (error) {
    line = { error: String(error?.message ?? error) };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
  await new Promise((r) => setTimeout(r, 10));
}
