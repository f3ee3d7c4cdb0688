// A data team's reader in its own process, like a notebook: attaches the lake
// read-only ONCE and queries it again and again on the same connection,
// printing one JSON line per read, until killed. Every new query must see the
// newest published version, whole.
// Usage: node read-outputs-loop.mjs '<LakeConfig as JSON>' <extension dir>
import { DuckDBInstance } from '@duckdb/node-api';

const lake = JSON.parse(process.argv[2]);
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const SQL = `
  SELECT count(*) AS n,
         count(DISTINCT version) AS versions,
         min(version) AS version,
         (SELECT max(version) FROM profile_versions) AS newest,
         (SELECT customers FROM profile_versions WHERE version = (SELECT max(version) FROM profile_versions)) AS expected
  FROM current_profiles`;

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
  let line;
  try {
    const [row] = (await connection.runAndReadAll(SQL)).getRowObjectsJS();
    line = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));
  } catch (error) {
    line = { error: String(error?.message ?? error) };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
  await new Promise((r) => setTimeout(r, 10));
}
