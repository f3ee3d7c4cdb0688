/**
 * Wall seconds per named step of a long activity, returned in its result so
 * the run's history (and `npm run bench -- e2e`) shows where the stage's time
 * went. Names and durations only: nothing about the customers.
 */
export function stepTimer(now: () => number = () => performance.now()): {
  lap(step: string): void;
  readonly seconds: Record<string, number>;
} {
  let last = now();
  const seconds: Record<string, number> = {};
  return {
    /** Ends the step running since the previous lap (or since the timer started). */
    lap(step: string): void {
      const at = now();
      seconds[step] = Math.round((seconds[step] ?? 0) * 1000 + (at - last)) / 1000;
      last = at;
    },
    seconds,
  };
}
