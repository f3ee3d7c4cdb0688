import { z } from 'zod';
import type { FeatureRow } from './feature-row.ts';
import { FEATURE_SPEC, fitFills, transformValue } from './feature-spec.ts';
import type { FeatureFills, FeatureSpecEntry } from './feature-spec.ts';

/**
 * Standard scaler over transformed feature columns: (x - mean) / std, with the
 * population standard deviation (divide by n, as scikit-learn does). A column
 * with zero spread gets std 1, so it scales to all zeros instead of NaN.
 * Plain JSON: store it with the model version and parse it back with parseScaler.
 */
export interface Scaler {
  means: number[];
  stds: number[];
  /** Column names, when known (toMatrix order); checked by nothing, kept for humans. */
  features?: string[];
}

export const ScalerSchema = z.object({
  means: z.array(z.number()),
  stds: z.array(z.number().positive()),
  features: z.array(z.string()).optional(),
});

/** A scaler read back from JSON (a model version), validated. */
export function parseScaler(value: unknown): Scaler {
  const scaler = ScalerSchema.parse(value);
  if (scaler.means.length !== scaler.stds.length) {
    throw new RangeError(`scaler has ${scaler.means.length} means but ${scaler.stds.length} stds`);
  }
  if (scaler.features !== undefined && scaler.features.length !== scaler.means.length) {
    throw new RangeError(`scaler has ${scaler.means.length} columns but ${scaler.features.length} feature names`);
  }
  return scaler;
}

/** Below this a column is treated as constant. */
const MIN_STD = 1e-12;

/** Fits means and standard deviations column by column (two passes, float64). */
export function fitScaler(matrix: readonly (readonly number[])[], features?: readonly string[]): Scaler {
  const first = matrix[0];
  if (first === undefined) throw new RangeError('cannot fit a scaler on an empty matrix');
  const d = first.length;
  if (features !== undefined && features.length !== d) {
    throw new RangeError(`scaler: ${features.length} feature names for ${d} columns`);
  }
  const n = matrix.length;
  const sums = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    if (row.length !== d) throw new RangeError(`scaler: row ${i} has ${row.length} columns, expected ${d}`);
    for (let j = 0; j < d; j++) sums[j]! += row[j]!;
  }
  const means = new Float64Array(d);
  for (let j = 0; j < d; j++) means[j] = sums[j]! / n;
  const squares = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = matrix[i]!;
    for (let j = 0; j < d; j++) {
      const delta = row[j]! - means[j]!;
      squares[j]! += delta * delta;
    }
  }
  const stds: number[] = [];
  for (let j = 0; j < d; j++) {
    const std = Math.sqrt(squares[j]! / n);
    if (!Number.isFinite(std) || !Number.isFinite(means[j]!)) {
      throw new RangeError(`scaler: column ${features?.[j] ?? j} has non-finite values`);
    }
    stds.push(std < MIN_STD ? 1 : std);
  }
  const scaler: Scaler = { means: Array.from(means), stds };
  if (features !== undefined) scaler.features = [...features];
  return scaler;
}

/** Scales every row into a new matrix; the input is not modified. */
export function applyScaler(matrix: readonly (readonly number[])[], scaler: Scaler): number[][] {
  const d = scaler.means.length;
  const out: number[][] = new Array(matrix.length);
  for (let i = 0; i < matrix.length; i++) {
    const row = matrix[i]!;
    if (row.length !== d) throw new RangeError(`scaler: row ${i} has ${row.length} columns, the scaler has ${d}`);
    const scaled = new Array<number>(d);
    for (let j = 0; j < d; j++) scaled[j] = (row[j]! - scaler.means[j]!) / scaler.stds[j]!;
    out[i] = scaled;
  }
  return out;
}

/**
 * Feature rows to the unscaled, transformed matrix the scaler is fitted on:
 * one row per customer in input order, one column per spec entry. `fills`
 * are the model's fitted fill values; without them they are fitted on `rows`
 * (right when training, wrong when applying a stored model: pass its fills).
 */
export function toMatrix(
  rows: readonly FeatureRow[],
  spec: readonly FeatureSpecEntry[] = FEATURE_SPEC,
  fills: FeatureFills = fitFills(rows, spec),
): number[][] {
  const out: number[][] = new Array(rows.length);
  const d = spec.length;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const values = new Array<number>(d);
    for (let j = 0; j < d; j++) values[j] = transformValue(row, spec[j]!, fills);
    out[i] = values;
  }
  return out;
}
