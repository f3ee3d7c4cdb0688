import type { Session } from '../warehouse/warehouse.ts';
import { adjustedRandIndex } from './cluster-metrics.ts';
import { parseModelArtifact, type ModelArtifact } from './model-artifact.ts';

/**
 * The model behind the newest published profile version: what a retrain
 * matches its segments to. `artifact` is undefined when that model was stored
 * in an older artifact format (no stable ids to carry over).
 */
export interface PreviousModel {
  version: number;
  modelVersion: string;
  artifact?: ModelArtifact;
}

export async function previousModel(s: Session): Promise<PreviousModel | undefined> {
  const row = await s.one<{ version: number; model_version: string; artifact: string | null }>(
    `SELECT p.version, p.model_version, m.artifact::VARCHAR AS artifact
     FROM profile_versions p LEFT JOIN model_versions m USING (model_version)
     ORDER BY p.version DESC LIMIT 1`,
  );
  if (!row) return undefined;
  const previous: PreviousModel = { version: row.version, modelVersion: row.model_version };
  if (row.artifact !== null) {
    try {
      previous.artifact = parseModelArtifact(row.artifact);
    } catch {
      // An older artifact format: ids start afresh, the ARI is still recorded.
    }
  }
  return previous;
}

/** ARI between a published version's segments and new ones, over the customers both have; undefined when fewer than 2 are common. */
export async function ariWithPreviousVersion(
  s: Session,
  version: number,
  rows: readonly { customer_id: string }[],
  segmentOf: readonly number[],
): Promise<number | undefined> {
  const previous = await s.all<{ customer_id: string; segment_id: number }>(
    'SELECT customer_id, segment_id FROM profiles WHERE version = $1',
    [version],
  );
  const before = new Map(previous.map((r) => [r.customer_id, r.segment_id]));
  const a: number[] = [];
  const b: number[] = [];
  rows.forEach((row, i) => {
    const old = before.get(row.customer_id);
    if (old !== undefined) {
      a.push(old);
      b.push(segmentOf[i]!);
    }
  });
  return a.length < 2 ? undefined : adjustedRandIndex(a, b);
}
