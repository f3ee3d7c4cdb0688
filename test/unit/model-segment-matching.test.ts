import { describe, expect, it } from 'vitest';
import { firstSegmentIds, matchSegments, rescaleCentroids } from '../../activities/model/segment-matching.ts';
import { hungarian } from '../../activities/model/hungarian.ts';
import type { Scaler } from '../../activities/model/scaler.ts';

const identity: Scaler = { means: [0, 0], stds: [1, 1] };

describe('matchSegments', () => {
  const previous = {
    scaler: identity,
    centroids: [
      [0, 0],
      [10, 0],
      [0, 10],
    ],
    segmentIds: [0, 1, 2],
    nextSegmentId: 3,
  };

  it('keeps the ids of segments that moved a little, whatever their new order', () => {
    const match = matchSegments([[0.5, 9.5], [0.2, -0.1], [9.8, 0.3]], identity, previous, hungarian);
    expect(match.segmentIds).toEqual([2, 0, 1]);
    expect(match.newSegments).toEqual([]);
    expect(match.vanishedSegments).toEqual([]);
    expect(match.nextSegmentId).toBe(3);
  });

  it('reports a new segment with a fresh id and a vanished one', () => {
    // Segment 2 is gone; a group far from everything appears; and k grows by one more.
    const match = matchSegments([[0, 0.4], [10, -0.2], [30, 30], [-20, -20]], identity, previous, hungarian);
    expect(match.segmentIds.slice(0, 2)).toEqual([0, 1]);
    expect(match.segmentIds.slice(2)).toEqual([3, 4]);
    expect(match.newSegments).toEqual([3, 4]);
    expect(match.vanishedSegments).toEqual([2]);
    expect(match.nextSegmentId).toBe(5);
  });

  it('compares centroids across different scalers in the new space', () => {
    const oldScaler: Scaler = { means: [100, 0], stds: [10, 1] };
    // Old centroid [1, 0] in old space is raw [110, 0]; in the new scaler [110 - 50] / 20 = 3.
    expect(rescaleCentroids([[1, 0]], oldScaler, { means: [50, 0], stds: [20, 1] })).toEqual([[3, 0]]);
    expect(() => rescaleCentroids([[1]], { means: [0], stds: [1] }, identity)).toThrow(/1 and 2 features/);
  });

  it('numbers a first model 0..k-1', () => {
    expect(firstSegmentIds(3)).toEqual({ segmentIds: [0, 1, 2], newSegments: [0, 1, 2], vanishedSegments: [], distances: {}, nextSegmentId: 3 });
    expect(firstSegmentIds(2, 7)).toMatchObject({ segmentIds: [7, 8], nextSegmentId: 9 });
  });
});
