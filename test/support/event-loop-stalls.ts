import { performance } from 'node:perf_hooks';

/**
 * Runs work while a 10 ms interval ticks: the work's time, the ticks, and the
 * longest stretch with no tick (the stretch after the last tick included).
 * Shared by test/unit/model-yields.test.ts and `npm run bench -- train-stall`.
 */
export async function stallsDuring<T>(work: () => Promise<T> | T): Promise<{ result: T; elapsed: number; ticks: number; longest: number }> {
  const start = performance.now();
  let last = start;
  let longest = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, 10);
  try {
    const result = await work();
    const end = performance.now();
    return { result, elapsed: end - start, ticks, longest: Math.max(longest, end - last) };
  } finally {
    clearInterval(timer);
  }
}
