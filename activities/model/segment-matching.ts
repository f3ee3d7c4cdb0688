import type { Scaler } from './scaler.ts';

/**
 * Stable segment ids across retrains. The previous model version's centroids
 * are carried into the new model's scaled space (unscale with the old scaler,
 * rescale with the new one; both must come from the same feature spec), and
 * new segments are matched to old ones by minimum total centroid distance
 * (Hungarian assignment, hungarian.ts). A matched segment keeps its old id.
 *
 * A pair is only a match while it is still the same group: its distance must
 * be below half the distance from the old centroid to its nearest other old
 * centroid (moved more than halfway toward a neighbour, it has become
 * something else). Unmatched new segments are new and get fresh ids from
 * `nextSegmentId`, in the order given (largest first), so an id is never
 * reused for a different group; unmatched old ids are reported as vanished.
 */
export interface PreviousSegments {
  scaler: Scaler;
  /** In the previous scaler's space. */
  centroids: number[][];
  segmentIds: number[];
  /** The first id never handed out so far. */
  nextSegmentId: number;
}

export interface SegmentMatch {
  /** Stable id of each new segment (index = new segment index). */
  segmentIds: number[];
  /** Ids of new segments with no previous counterpart. */
  newSegments: number[];
  /** Previous ids with no new counterpart. */
  vanishedSegments: number[];
  /** Centroid distance (new scaled space) of each matched segment, by stable id. */
  distances: Record<number, number>;
  nextSegmentId: number;
}

export function rescaleCentroids(centroids: readonly (readonly number[])[], from: Scaler, to: Scaler): number[][] {
  if (from.means.length !== to.means.length) {
    throw new RangeError(`cannot compare centroids of ${from.means.length} and ${to.means.length} features`);
  }
  return centroids.map((c) => c.map((value, j) => (value * from.stds[j]! + from.means[j]! - to.means[j]!) / to.stds[j]!));
}

function distance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += (a[j]! - b[j]!) ** 2;
  return Math.sqrt(sum);
}

/**
 * Ids when there is nothing to match against: start..start+k-1 in the given
 * order. start is 0 for a first model, and the previous model's next free id
 * when it cannot be compared (another feature spec), so no id is reused.
 */
export function firstSegmentIds(k: number, start = 0): SegmentMatch {
  const segmentIds = Array.from({ length: k }, (_, i) => start + i);
  return { segmentIds, newSegments: [...segmentIds], vanishedSegments: [], distances: {}, nextSegmentId: start + k };
}

export function matchSegments(
  centroids: readonly (readonly number[])[],
  scaler: Scaler,
  previous: PreviousSegments,
  assign: (cost: number[][]) => number[],
): SegmentMatch {
  const old = rescaleCentroids(previous.centroids, previous.scaler, scaler);
  const cost = centroids.map((c) => old.map((o) => distance(c, o)));
  const assignment = assign(cost);
  const reach = old.map((o, a) => {
    let nearest = Infinity;
    old.forEach((other, b) => {
      if (a !== b) nearest = Math.min(nearest, distance(o, other));
    });
    return nearest / 2;
  });
  let nextSegmentId = previous.nextSegmentId;
  const segmentIds: number[] = [];
  const newSegments: number[] = [];
  const distances: Record<number, number> = {};
  const kept = new Set<number>();
  centroids.forEach((_, i) => {
    const o = assignment[i] ?? -1;
    if (o >= 0 && cost[i]![o]! < reach[o]!) {
      const id = previous.segmentIds[o]!;
      segmentIds.push(id);
      distances[id] = cost[i]![o]!;
      kept.add(id);
    } else {
      const id = nextSegmentId++;
      segmentIds.push(id);
      newSegments.push(id);
    }
  });
  const vanishedSegments = previous.segmentIds.filter((id) => !kept.has(id));
  return { segmentIds, newSegments, vanishedSegments, distances, nextSegmentId };
}
