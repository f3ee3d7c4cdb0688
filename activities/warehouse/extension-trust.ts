import { version as duckdbVersion } from '@duckdb/node-api';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * DuckDB checks an extension's signature on every LOAD, hashing the whole
 * file: ~250 ms for ducklake + sqlite, paid by every command that opens the
 * store (`query "select 1"` took 0.74 s, 0.49 s without it). Bootstrap
 * (scripts/duckdb-extensions.mjs) LOADs each extension once with the check
 * on, then records the files it verified (size, mtime, sha256) in a
 * manifest. A process may skip the re-check only when every extension it
 * loads is still the very file that was verified: same path under this
 * DuckDB's version, same size, same mtime. Anything else (another folder,
 * another DuckDB, a replaced file, no manifest) keeps DuckDB's own check.
 * The trust is that of node_modules, whose libduckdb is never re-checked
 * either; `personaflow doctor` re-hashes the files against the manifest.
 */
export interface ExtensionManifest {
  duckdb: string;
  files: Record<string, { path: string; bytes: number; mtimeNs: string; sha256: string }>;
}

export function manifestPath(extensionDir: string): string {
  return join(extensionDir, `verified-${duckdbVersion().replace(/^v/, '')}.json`);
}

export function readManifest(extensionDir: string): ExtensionManifest | undefined {
  const path = manifestPath(extensionDir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ExtensionManifest;
  } catch {
    return undefined; // a torn or foreign file: fall back to DuckDB's check
  }
}

/** True when every named extension is the file bootstrap verified, unchanged since. */
export function verifiedAtInstall(extensionDir: string, names: string[]): boolean {
  const manifest = readManifest(extensionDir);
  if (!manifest || `v${manifest.duckdb}` !== duckdbVersion()) return false;
  const versionDir = join(extensionDir, duckdbVersion());
  return names.every((name) => {
    const entry = manifest.files[name];
    if (!entry || !entry.path.startsWith(`${versionDir}/`)) return false;
    try {
      const stat = statSync(entry.path, { bigint: true });
      return Number(stat.size) === entry.bytes && String(stat.mtimeNs) === entry.mtimeNs;
    } catch {
      return false;
    }
  });
}
