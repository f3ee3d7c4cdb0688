import { runSteps } from '../steps.ts';

/**
 * Nelder-Mead minimiser (standard coefficients 1, 2, 0.5, 0.5), restarted from
 * its own best point until a restart no longer improves: a plain simplex
 * search stalls on long curved valleys such as BG/NBD's likelihood in
 * log-parameters, and the restart rebuilds the simplex around the optimum.
 * Written here instead of taking an npm optimiser: none in the registry list
 * is a maintained, typed, dependency-free package, and the fits need only
 * 3-4 parameters without bounds (they are optimised in log space).
 */
export interface MinimizeResult {
  x: number[];
  value: number;
  evaluations: number;
}

export interface MinimizeOptions {
  /** Stop a pass when the simplex's values differ by less than this; default 1e-12 (relative). */
  tolerance?: number;
  maxEvaluations?: number;
  /** Initial step per coordinate; default 0.5. */
  step?: number;
}

export function nelderMead(f: (x: readonly number[]) => number, x0: readonly number[], options: MinimizeOptions = {}): MinimizeResult {
  return runSteps(nelderMeadSteps(f, x0, options));
}

/**
 * nelderMead, pausing after every simplex step (model/steps.ts): one
 * likelihood over 30,000 buyers costs milliseconds, and a fit can take
 * thousands of them (tens of seconds on a busy machine).
 */
export function* nelderMeadSteps(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: MinimizeOptions = {},
): Generator<void, MinimizeResult> {
  const tolerance = options.tolerance ?? 1e-12;
  const maxEvaluations = options.maxEvaluations ?? 20_000;
  let evaluations = 0;
  const evaluate = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let best = { x: [...x0], value: evaluate([...x0]) };
  let step = options.step ?? 0.5;
  for (let pass = 0; pass < 20 && evaluations < maxEvaluations; pass++) {
    const result = yield* simplexPass(evaluate, best.x, step, tolerance, () => evaluations >= maxEvaluations);
    const improved = best.value - result.value > tolerance * (Math.abs(best.value) + 1e-300);
    if (result.value <= best.value) best = result;
    if (!improved && pass > 0) break;
    step = Math.max(step * 0.5, 1e-3);
  }
  if (!Number.isFinite(best.value)) throw new RangeError('Nelder-Mead found no point where the objective is finite');
  return { ...best, evaluations };
}

function* simplexPass(
  evaluate: (x: number[]) => number,
  start: readonly number[],
  step: number,
  tolerance: number,
  exhausted: () => boolean,
): Generator<void, { x: number[]; value: number }> {
  const d = start.length;
  const points: number[][] = [[...start]];
  for (let i = 0; i < d; i++) {
    const p = [...start];
    p[i]! += step;
    points.push(p);
  }
  const values = points.map(evaluate);
  const order = Array.from({ length: d + 1 }, (_, i) => i);
  while (!exhausted()) {
    yield;
    order.sort((a, b) => values[a]! - values[b]!);
    const lo = order[0]!;
    const hi = order[d]!;
    const second = order[d - 1]!;
    const spread = Math.abs(values[hi]! - values[lo]!);
    if (spread <= tolerance * (Math.abs(values[lo]!) + 1e-300)) break;
    const centroid = new Array<number>(d).fill(0);
    for (const i of order.slice(0, d)) for (let j = 0; j < d; j++) centroid[j]! += points[i]![j]! / d;
    const along = (t: number): number[] => centroid.map((c, j) => c + t * (points[hi]![j]! - c));
    const reflected = along(-1);
    const fr = evaluate(reflected);
    if (fr < values[lo]!) {
      const expanded = along(-2);
      const fe = evaluate(expanded);
      if (fe < fr) [points[hi], values[hi]] = [expanded, fe];
      else [points[hi], values[hi]] = [reflected, fr];
    } else if (fr < values[second]!) {
      [points[hi], values[hi]] = [reflected, fr];
    } else {
      const contracted = fr < values[hi]! ? along(-0.5) : along(0.5);
      const fc = evaluate(contracted);
      if (fc < Math.min(fr, values[hi]!)) {
        [points[hi], values[hi]] = [contracted, fc];
      } else {
        for (const i of order.slice(1)) {
          points[i] = points[i]!.map((v, j) => points[lo]![j]! + 0.5 * (v - points[lo]![j]!));
          values[i] = evaluate(points[i]!);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= d; i++) if (values[i]! < values[best]!) best = i;
  return { x: points[best]!, value: values[best]! };
}
