import type { Session } from '../activities/warehouse/warehouse.ts';
import { adjustedRandIndex } from '../activities/model/cluster-metrics.ts';
import { CARD_FEATURES } from '../activities/model/card-features.ts';
import { DataError } from './cli-errors.ts';

/**
 * Segment drift between two published versions. Segment ids are stable across
 * retrains (matched by centroid, see activities/model/segment-matching.ts), so
 * comparing segment by id is meaningful: a segment with the same id is the
 * same group, and its size and feature means show how that group changed.
 */
export interface SegmentSizeChange {
  segment_id: number;
  name_before: string | null;
  name_after: string | null;
  size_before: number;
  size_after: number;
  change: number;
}

export interface Move {
  from_segment: number;
  to_segment: number;
  customers: number;
}

export interface MeanChange {
  segment_id: number;
  feature: string;
  before: number;
  after: number;
  /** (after - before) / |before|; null when before is 0. */
  relative: number | null;
}

export interface DriftReport {
  from: number;
  to: number;
  modelBefore: string;
  modelAfter: string;
  sizes: SegmentSizeChange[];
  commonCustomers: number;
  movedCustomers: number;
  /** Adjusted Rand index of the two segmentations on the common customers. */
  ari: number | null;
  /** Largest flows between different segments, most customers first. */
  moves: Move[];
  /** Feature means of segments present in both versions that changed by at least `minRelative`. */
  meanChanges: MeanChange[];
}

export async function driftReport(s: Session, from: number, to: number, minRelative = 0.1): Promise<DriftReport> {
  const versions = await s.all<{ version: number; model_version: string }>(
    'SELECT version, model_version FROM profile_versions WHERE version IN ($1, $2)',
    [from, to],
  );
  const model = (v: number) => {
    const row = versions.find((r) => r.version === v);
    if (!row) throw new DataError(`profile version ${v} is not published (see: personaflow query "SELECT version FROM profile_versions")`);
    return row.model_version;
  };
  const modelBefore = model(from);
  const modelAfter = model(to);
  const segments = await s.all<{ version: number; segment_id: number; name: string; size: number; feature_means: string }>(
    'SELECT version, segment_id, name, size, feature_means::VARCHAR AS feature_means FROM segments WHERE version IN ($1, $2) ORDER BY segment_id',
    [from, to],
  );
  const before = new Map(segments.filter((r) => r.version === from).map((r) => [r.segment_id, r]));
  const after = new Map(segments.filter((r) => r.version === to).map((r) => [r.segment_id, r]));
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => a - b);
  const sizes = ids.map((id) => {
    const b = before.get(id);
    const a = after.get(id);
    return {
      segment_id: id,
      name_before: b?.name ?? null,
      name_after: a?.name ?? null,
      size_before: b?.size ?? 0,
      size_after: a?.size ?? 0,
      change: (a?.size ?? 0) - (b?.size ?? 0),
    };
  });

  const pairs = await s.all<{ a: number; b: number }>(
    `SELECT p.segment_id AS a, q.segment_id AS b
     FROM profiles p JOIN profiles q ON q.customer_id = p.customer_id AND q.version = $2
     WHERE p.version = $1`,
    [from, to],
  );
  const flows = new Map<string, Move>();
  let moved = 0;
  for (const { a, b } of pairs) {
    if (a === b) continue;
    moved++;
    const key = `${a}>${b}`;
    const flow = flows.get(key) ?? { from_segment: a, to_segment: b, customers: 0 };
    flow.customers++;
    flows.set(key, flow);
  }
  const moves = [...flows.values()].sort((x, y) => y.customers - x.customers || x.from_segment - y.from_segment || x.to_segment - y.to_segment);

  const meanChanges: MeanChange[] = [];
  for (const id of ids) {
    const b = before.get(id);
    const a = after.get(id);
    if (!b || !a) continue;
    const mb = JSON.parse(b.feature_means) as Record<string, number>;
    const ma = JSON.parse(a.feature_means) as Record<string, number>;
    for (const feature of CARD_FEATURES) {
      const x = mb[feature];
      const y = ma[feature];
      if (typeof x !== 'number' || typeof y !== 'number') continue;
      const relative = x === 0 ? null : (y - x) / Math.abs(x);
      if ((relative === null && y !== 0) || (relative !== null && Math.abs(relative) >= minRelative)) {
        meanChanges.push({ segment_id: id, feature, before: x, after: y, relative });
      }
    }
  }
  return {
    from,
    to,
    modelBefore,
    modelAfter,
    sizes,
    commonCustomers: pairs.length,
    movedCustomers: moved,
    ari: pairs.length < 2 ? null : adjustedRandIndex(pairs.map((p) => p.a), pairs.map((p) => p.b)),
    moves,
    meanChanges,
  };
}
