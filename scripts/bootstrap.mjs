#!/usr/bin/env node
// Idempotent setup used by `npm run demo` and `npm test`: npm dependencies as
// locked, the compiled CLI in dist/ (scripts/build.mjs; only when a source is
// newer), the review encoder (the default extractor's model) and its fast
// helper compiled with gcc (scripts/e5-fast.mjs), then a Temporal
// CLI (unless TEMPORAL_ADDRESS points at a cluster).
// Fast when everything is already there.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, findTemporalCli, installTemporalCli } from './temporal-cli.mjs';
import { ensureLocalModel } from './local-model.mjs';
import { ensureDuckdbExtensions } from './duckdb-extensions.mjs';
import { ensureE5Model } from './e5-model.mjs';
import { ensureE5Fast } from './e5-fast.mjs';

function depsInstalled() {
  const marker = join(PROJECT_ROOT, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return false;
  // npm rewrites this marker on every install; an older one means the lock moved on.
  return statSync(marker).mtimeMs >= statSync(join(PROJECT_ROOT, 'package-lock.json')).mtimeMs;
}

async function main() {
  if (!depsInstalled()) {
    console.error('personaflow: installing npm dependencies (npm ci)');
    const run = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    if (run.status !== 0) throw new Error('npm ci failed; see the output above');
  }
  // The store (DuckLake) needs its DuckDB extensions, installed offline-capable once.
  await ensureDuckdbExtensions();
  // After npm ci: the build needs esbuild from node_modules.
  const { buildDist } = await import('./build.mjs');
  if (await buildDist()) console.error('personaflow: compiled the CLI into dist/');
  // Always: the default `embedded` extractor, the demo and the tests use it.
  // Then its fast forward pass, compiled here for this CPU; without it the shipped engine runs.
  ensureE5Fast(ensureE5Model());
  // Opt-in: the local LLM provider without a model of one's own, or CI asking
  // for the model so the local-model tests run (PERSONAFLOW_FETCH_LOCAL_MODEL=1).
  const wantsLocal = process.env.PERSONAFLOW_LLM_PROVIDER === 'local' && !process.env.PERSONAFLOW_LOCAL_MODEL;
  if (wantsLocal || process.env.PERSONAFLOW_FETCH_LOCAL_MODEL === '1') {
    const path = ensureLocalModel();
    if (wantsLocal) console.error(`personaflow: set PERSONAFLOW_LOCAL_MODEL=${path} to use it`);
  }
  if (process.env.TEMPORAL_ADDRESS) return; // an existing cluster: no local CLI needed
  if (!findTemporalCli()) installTemporalCli();
}

try {
  await main();
} catch (error) {
  console.error(`personaflow bootstrap: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
