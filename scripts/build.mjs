#!/usr/bin/env node
// Compiles the CLI to JavaScript in dist/ (gitignored) so that a command starts
// without compiling TypeScript on every call (tsx did: about 1.4 s per command).
// One esbuild bundle of client/main.ts with code splitting: every dynamic
// import (one per command) becomes its own chunk, loaded only by that command.
// Pure-JS packages are bundled too: @duckdb/node-api alone took 0.3 s to load
// as its hundreds of CommonJS files and 0.01 s bundled (measured here). Native
// and file-reading packages stay external (EXTERNAL below). The chunks sit directly in dist/, one level below the
// project root like the sources are, so paths computed from import.meta.url
// (`../workflows/index.ts` for the worker's workflow bundle, the project root
// in scripts/temporal-cli.mjs) resolve to the same files from either layout.
//
// `node scripts/build.mjs` builds when a source is newer than the last build;
// `--force` always. bootstrap runs it, and bin/personaflow.js rebuilds first
// when a source changed since (about a second), so the CLI never runs stale code.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROJECT_ROOT } from './temporal-cli.mjs';
import { distIsCurrent, DIST, STAMP } from './dist-state.mjs';

/**
 * Packages left to Node's loader: native addons (DuckDB's bindings, Temporal's
 * core bridge, node-llama-cpp), the Temporal worker (its webpack bundler reads
 * the SDK's files from node_modules) and the build tools themselves.
 */
const EXTERNAL = ['@temporalio/*', '@duckdb/node-bindings', '@duckdb/node-bindings-*', 'node-llama-cpp', '@node-llama-cpp/*', 'esbuild', 'tsx', 'koffi'];

/** Files of earlier builds are kept this long: a CLI still running may import its chunks lazily. */
const KEEP_OLD_MS = 60 * 60 * 1000;

export async function buildDist({ force = false } = {}) {
  if (!force && distIsCurrent()) return false;
  const result = await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: { main: 'client/main.ts' },
    outdir: DIST,
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // Bundled CommonJS calls require(); ESM has none, so give it one.
    banner: { js: "import { createRequire as __pfCreateRequire } from 'node:module'; const require = __pfCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    // Errors are classified by class name (client/exit-code.ts): bundling must not rename classes.
    keepNames: true,
    logLevel: 'warning',
  });
  // Chunk names carry a content hash, so files of this build and of earlier
  // ones live side by side: each file is written beside and renamed into place,
  // and main.js (the only unhashed name) last. A CLI started from the earlier
  // build keeps finding the chunks it imports lazily.
  mkdirSync(DIST, { recursive: true });
  const entry = (f) => basename(f.path).startsWith('main.js');
  const files = [...result.outputFiles.filter((f) => !entry(f)), ...result.outputFiles.filter(entry)];
  for (const file of files) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  writeFileSync(join(DIST, STAMP), `${new Date().toISOString()}\n`);
  const current = new Set(files.map((f) => basename(f.path)));
  // Several CLIs may build at once (three `personaflow run` after an edit):
  // another build's temporary file can be renamed away between readdir and
  // stat, so a file that is gone is simply skipped.
  for (const name of readdirSync(DIST)) {
    if (current.has(name) || name === STAMP) continue;
    const path = join(DIST, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat && Date.now() - stat.mtimeMs > KEEP_OLD_MS) rmSync(path, { force: true });
  }
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await buildDist({ force: process.argv.includes('--force') });
  console.error(built ? 'personaflow: compiled the CLI into dist/' : 'personaflow: dist/ is current');
}
