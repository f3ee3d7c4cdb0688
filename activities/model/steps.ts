import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Long CPU-bound model code (k-means fits, bootstrap refits, the likelihood
 * fits of clv/) is written as a generator that yields between its steps
 * (a Lloyd iteration, a simplex step). Benches and tests run it straight
 * through (runSteps); the train activity gives the event loop a turn whenever
 * a slice of SLICE_MS has passed (runStepsYielding), so its heartbeat timer
 * (heartbeat-while.ts) keeps firing under a 30 s heartbeat timeout however
 * long the fit takes on a busy machine (issue 12). Both give the same result:
 * the pauses do no work.
 */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs at most this long (plus one step) before it gives the event loop a turn. */
const SLICE_MS = 200;

/**
 * For async code with long synchronous loops (train's per-customer passes):
 * `const pause = slicer()`, then `await pause()` in the loop; it waits for the
 * event loop's next turn only when SLICE_MS have passed since the last one.
 */
export function slicer(sliceMs = SLICE_MS): () => Promise<void> | undefined {
  let since = Date.now();
  return () => {
    if (Date.now() - since < sliceMs) return undefined;
    return nextTurn().then(() => {
      since = Date.now();
    });
  };
}

export async function runStepsYielding<T>(steps: Generator<void, T>): Promise<T> {
  const pause = slicer();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await pause();
  }
}
