// The store bench's reader, in its own process: one read-only attachment of
// the lake, `select count(*) from current_profiles` in a loop, one JSON line
// per query with its latency in ms. Usage: node store-reader.mjs '<LakeConfig JSON>' <extension dir>
import { DuckDBInstance } from '@duckdb/node-api';

const lake = JSON.parse(process.argv[2]);
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:', {
  extension_directory: process.argv[3],
  autoload_known_extensions: 'false',
  autoinstall_known_extensions: 'false',
});
const connection = await instance.connect();
await connection.run('LOAD ducklake');
await connection.run(lake.catalog.startsWith('postgres:') ? 'LOAD postgres' : 'LOAD sqlite');
await connection.run(`ATTACH ${quote(`ducklake:${lake.catalog}`)} AS lake (READ_ONLY)`);
await connection.run('USE lake');
for (;;) {
  const t0 = performance.now();
  let line;
  try {
    const [row] = (await connection.runAndReadAll('SELECT count(*) AS n FROM current_profiles')).getRowObjectsJS();
    line = { ms: performance.now() - t0, n: Number(row.n) };
  } catch (error) {
    line = { error: String(error?.message ?? error) };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
  await new Promise((r) => setTimeout(r, 20));
}
