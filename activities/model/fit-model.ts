import type { FeatureRow } from './feature-row.ts';
import { FEATURE_SPEC, fitFills, type FeatureFills } from './feature-spec.ts';
import { applyScaler, fitScaler, toMatrix, type Scaler } from './scaler.ts';
import { segmentationSteps, type SegmentationOptions, type SegmentationResult } from './segmentation.ts';
import { runSteps, runStepsYielding } from './steps.ts';
import { evaluateNearestCentroid, type HeldOutScores } from './classifier.ts';
import { fitSampleFor } from './fit-sample.ts';

/**
 * The numeric part of the train stage, with no I/O: fill, transform, scale,
 * k-means with k by measurement, and the held-out score of the assignment
 * classifier. The train activity and the benches both call this, so what the
 * benches measure is what runs.
 */
export interface FittedModel {
  fills: FeatureFills;
  scaler: Scaler;
  /** The scaled matrix the segmentation ran on (row i = rows[i]). */
  scaled: number[][];
  segmentation: SegmentationResult;
  heldOut: HeldOutScores;
}

export function fitModel(rows: readonly FeatureRow[], options: SegmentationOptions = {}): FittedModel {
  return runSteps(fitModelSteps(rows, options));
}

/**
 * fitModel for the train activity: it runs for tens of seconds at 100k
 * customers on a busy machine, so it pauses inside every k-means fit and
 * between the passes over all rows, and the activity's heartbeat timer fires
 * there (model/steps.ts).
 */
export function fitModelAsync(rows: readonly FeatureRow[], options: SegmentationOptions = {}): Promise<FittedModel> {
  return runStepsYielding(fitModelSteps(rows, options));
}

function* fitModelSteps(rows: readonly FeatureRow[], options: SegmentationOptions): Generator<void, FittedModel> {
  const fills = fitFills(rows);
  yield;
  const raw = toMatrix(rows, FEATURE_SPEC, fills);
  yield;
  const scaler = fitScaler(raw);
  const scaled = applyScaler(raw, scaler);
  yield;
  const segmentation = yield* segmentationSteps(scaled, { fitSample: fitSampleFor(rows.length), ...options });
  yield;
  const heldOut = evaluateNearestCentroid(scaled, segmentation.assignments, segmentation.k);
  return { fills, scaler, scaled, segmentation, heldOut };
}
