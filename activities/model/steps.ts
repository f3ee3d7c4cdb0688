import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Long CPU-bound model code (k-means over every k, bootstrap refits) is
 * written as a generator that yields between its expensive steps. Benches and
 * tests run it straight through (runSteps); the train activity gives the
 * event loop a turn at each pause (runStepsYielding), so its heartbeat timer
 * keeps firing under a 30 s heartbeat timeout however long the fit takes.
 * Both give the same result: the pauses do no work.
 */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs at most this long (plus one step) before it gives the event loop a turn. */
const SLICE_MS = 200;

export async function runStepsYielding<T>(steps: Generator<void, T>): Promise<T> {
  let since = Date.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (Date.now() - since >= SLICE_MS) {
      await nextTurn();
      since = Date.now();
    }
  }
}
