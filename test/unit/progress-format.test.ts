import { describe, expect, it } from 'vitest';
import { describeProgress, formatExtraction } from '../../client/progress.ts';

describe('progress lines', () => {
  it('extraction shows items done of the total, the rate and the time left', () => {
    expect(formatExtraction({ done: 1200, total: 5000, cacheHits: 300, perSecond: 20, etaSeconds: 190 })).toBe(
      'extract: 1200 of 5000 reviews (300 more from cache), 20.0 reviews/s, about 3 min left',
    );
    expect(formatExtraction({ done: 0, total: 5000, cacheHits: 0, perSecond: null, etaSeconds: null })).toBe(
      'extract: 0 of 5000 reviews (0 more from cache), rate not known yet',
    );
    expect(formatExtraction({ done: 10, total: 100000, cacheHits: 0, perSecond: 1, etaSeconds: 99990 })).toMatch(/about 27\.8 h left$/);
  });

  it('status of a running run lists finished stages and the one under way', () => {
    const lines = describeProgress(
      { stage: 'extract', stagesDone: ['load'], stageSeconds: { load: 1.25 }, asOf: '2026-11-01T00:00:00Z', counts: { customers_loaded: 300 } },
      { done: 5, total: 10, cacheHits: 0, perSecond: 2.5, etaSeconds: 2 },
    );
    expect(lines).toEqual([
      'as of 2026-11-01T00:00:00Z; stage extract',
      '  ✓ load 1.3 s (customers_loaded=300)',
      '  ▶ extract: 5 of 10 reviews (0 more from cache), 2.5 reviews/s, about 2 s left',
    ]);
  });
});
