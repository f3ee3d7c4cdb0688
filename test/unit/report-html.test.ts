// The report's charts and page on edge cases a pipeline run rarely produces:
// no reviews, no rejects, no stage times, no map, a hostile persona name.
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../client/report/report-charts.ts';
import { renderReportHtml } from '../../client/report/report-html.ts';
import type { ReportData } from '../../client/report/report-data.ts';

const NAME = '<b>Bold & "quoted"</b>';

function data(): ReportData {
  const segments = [
    { id: 0, label: NAME, name: NAME, description: 'A <i>described</i> segment.', size: 30, share: 0.6, actions: ['Write <them>'], categories: [{ category: 'books', share: 0.5 }] },
    { id: 1, label: 'Quiet', name: 'Quiet', description: 'Quiet ones.', size: 20, share: 0.4, actions: [], categories: [] },
  ];
  return {
    version: {
      version: 4,
      runId: 'run-1',
      workflowId: 'wf-1',
      asOf: new Date('2026-11-01T00:00:00Z'),
      publishedAt: new Date('2026-11-02T10:00:00Z'),
      modelVersion: 'model-1',
      customers: 50,
      silhouette: 0.3,
      heldOutMacroF1: 0.9,
      ariVsPrevious: null,
    },
    segments,
    projection: { unavailable: 'only 2 customers: too few for a map' },
    heat: segments.flatMap((x, i) => [
      { segment: x.label, feature: 'monetary', scaled: i ? -1 : 1, raw: i ? 10 : 900 },
      { segment: x.label, feature: 'refund_rate', scaled: 0, raw: 0.1 },
    ]),
    features: ['monetary', 'refund_rate'],
    reviews: segments.map((x) => ({ segment: x.label, customers: x.size, reviewers: 0, sentiment: null, negativeShare: null, highIntentShare: null })),
    topics: [],
    tiers: segments.flatMap((x) => [
      { segment: x.label, measure: 'value tier' as const, level: 'low', customers: x.size },
      { segment: x.label, measure: 'churn risk' as const, level: 'high', customers: x.size },
    ]),
    lifetime: null,
    drift: { unavailable: 'This is the first published version: there is nothing earlier to compare with.' },
    quality: { tables: [{ table: 'customers', loaded: 50, rejected: 0 }], reasons: [], reviewsFailed: 0 },
    run: { status: 'published', startedAt: new Date('2026-11-02T09:59:00Z'), finishedAt: new Date('2026-11-02T10:00:00Z'), stages: [], llm: null },
  };
}

describe('report page', () => {
  it('draws only the charts that have data and says in words why the others are missing', async () => {
    const d = data();
    const charts = await buildCharts(d);
    expect([...charts.keys()].sort()).toEqual(['features', 'sizes', 'tiers']);
    for (const chart of charts.values()) expect(chart.svg).toMatch(/^<svg [^>]*role="img"/);
    const html = renderReportHtml(d, charts, new Date('2026-11-03T00:00:00Z'));
    expect(html).toContain('No customer map: only 2 customers: too few for a map.');
    expect(html).toContain('No customer of this version wrote a review.');
    expect(html).toContain('This is the first published version');
    expect(html).toContain('Every source row passed the checks.');
    expect(html).toContain('Stage times are not recorded in this store.');
    expect(html).toContain('has no P(alive) or predicted lifetime value columns');
    expect(html.match(/<figure class="chart"/g)).toHaveLength(3);
  });

  it('escapes every name and text it shows, in the page and in the SVG', async () => {
    const d = data();
    const html = renderReportHtml(d, await buildCharts(d), new Date());
    expect(html).not.toContain('<b>Bold');
    expect(html).not.toContain('<i>described');
    expect(html).not.toContain('<them>');
    expect(html).toContain('&lt;b&gt;Bold &amp; &quot;quoted&quot;&lt;/b&gt;');
    expect(html).not.toMatch(/<script|<link|<img|@import|@font-face/i);
  });

  it('gives each chart its own element ids so inline SVGs do not share clip paths or gradients', async () => {
    const charts = await buildCharts(data());
    const ids = [...charts.values()].flatMap((c) => [...c.svg.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]!));
    expect(ids.length).toBeGreaterThan(0); // the heat map's colour legend has a gradient
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of charts.values()) for (const m of c.svg.matchAll(/url\(#([^)]+)\)/g)) expect(m[1]!.startsWith(`${c.id}-`)).toBe(true);
  });
});
