import { z } from 'zod';
import type { FeatureRow } from './feature-row.ts';
import type { FeatureFills, FeatureSpecEntry } from './feature-spec.ts';
import { applyScaler, parseScaler, toMatrix, type Scaler } from './scaler.ts';
import { assignNearest } from './segmentation.ts';
import type { HeldOutScores } from './classifier.ts';

/**
 * Everything needed to reproduce and apply a model version, stored as JSON in
 * model_versions.artifact: the feature spec with its fitted fill values, the
 * scaler, the centroids, the stable segment id of each centroid and the
 * assignment classifier with its held-out scores. applyModel uses nothing else,
 * so a model version assigns customers the same way months later.
 */
export const MODEL_ARTIFACT_VERSION = 'model-artifact/v2';

export interface ModelArtifact {
  artifactVersion: typeof MODEL_ARTIFACT_VERSION;
  featureSpecVersion: string;
  features: FeatureSpecEntry[];
  fills: FeatureFills;
  scaler: Scaler;
  /** In the scaler's space; centroids[i] is the segment with id segmentIds[i]. */
  centroids: number[][];
  segmentIds: number[];
  /** The first segment id never handed out (new segments of later versions start here). */
  nextSegmentId: number;
  classifier: { kind: 'nearest-centroid'; heldOut: HeldOutScores };
}

const EntrySchema = z.object({
  name: z.string(),
  transform: z.enum(['log1p', 'none']),
  missing: z.union([z.number(), z.literal('median'), z.null()]),
  min: z.number().optional(),
  max: z.number().optional(),
  note: z.string(),
});

const ArtifactSchema = z.object({
  artifactVersion: z.literal(MODEL_ARTIFACT_VERSION),
  featureSpecVersion: z.string(),
  features: z.array(EntrySchema).min(1),
  fills: z.record(z.string(), z.number()),
  scaler: z.unknown(),
  centroids: z.array(z.array(z.number())).min(1),
  segmentIds: z.array(z.number().int()),
  nextSegmentId: z.number().int(),
  classifier: z.object({
    kind: z.literal('nearest-centroid'),
    heldOut: z.object({
      accuracy: z.number(),
      macroF1: z.number(),
      trainSize: z.number(),
      testSize: z.number(),
    }),
  }),
});

/** A stored artifact (JSON text or parsed), validated; throws naming what is wrong. */
export function parseModelArtifact(value: unknown): ModelArtifact {
  const json = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (typeof json === 'object' && json !== null && !('artifactVersion' in json)) {
    throw new RangeError(`stored before ${MODEL_ARTIFACT_VERSION} (no fills, segment ids or classifier): run the pipeline again for an applicable model version`);
  }
  const parsed = ArtifactSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RangeError(`not a ${MODEL_ARTIFACT_VERSION} model artifact: ${issue.path.join('.') || 'root'}: ${issue.message}`);
  }
  const artifact = parsed.data;
  const scaler = parseScaler(artifact.scaler);
  const d = artifact.features.length;
  if (scaler.means.length !== d) throw new RangeError(`model artifact: scaler has ${scaler.means.length} columns for ${d} features`);
  if (artifact.segmentIds.length !== artifact.centroids.length) {
    throw new RangeError(`model artifact: ${artifact.segmentIds.length} segment ids for ${artifact.centroids.length} centroids`);
  }
  for (const c of artifact.centroids) {
    if (c.length !== d) throw new RangeError(`model artifact: a centroid has ${c.length} values for ${d} features`);
  }
  // Feature names were validated as strings; the spec's names are the numeric FeatureRow columns.
  return { ...artifact, features: artifact.features as FeatureSpecEntry[], scaler } as ModelArtifact;
}

/** Stable segment id of each row under a stored model: fill, transform, scale, nearest centroid. */
export function applyModel(artifact: ModelArtifact, rows: readonly FeatureRow[]): number[] {
  if (rows.length === 0) return [];
  const scaled = applyScaler(toMatrix(rows, artifact.features, artifact.fills), artifact.scaler);
  return assignNearest(scaled, artifact.centroids).map((i) => artifact.segmentIds[i]!);
}
