import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ReportData } from './report-data.ts';
import { featureLabel } from './feature-labels.ts';

/**
 * The report's charts: Vega-Lite specs compiled to Vega and rendered to SVG
 * strings in Node by vega's headless View (renderer 'none' + toSVG), so the
 * page needs no script, no canvas and no network. A chart whose data is empty
 * is not drawn: the layout says in words why it is missing.
 */
export interface Chart {
  id: string;
  title: string;
  /** One or two sentences on how to read it. */
  caption: string;
  svg: string;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
/** Tableau 10: distinguishable segment colours, the same segment has the same colour in every chart. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const LEVELS = ['low', 'medium', 'high'];
/** The P(alive) histogram's bins, in order (report-data.ts buckets by tenths). */
const BINS = Array.from({ length: 10 }, (_, i) => `${i * 10}–${i * 10 + 10}%`);

const CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', labelLimit: 220 },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 220 },
} as const;

export async function buildCharts(data: ReportData): Promise<Map<string, Chart>> {
  const segments = data.segments.map((x) => x.label);
  const colour = { domain: segments, range: segments.map((_, i) => PALETTE[i % PALETTE.length]!) };
  const charts = new Map<string, Chart>();
  const add = async (id: string, title: string, caption: string, spec: Record<string, unknown>, rows: number) => {
    if (rows === 0) return;
    charts.set(id, { id, title, caption, svg: await renderSvg(id, spec) });
  };

  await add(
    'sizes',
    'Segment sizes',
    'Customers in each segment of this version, with their share of all customers.',
    {
      width: 520,
      data: { values: data.segments.map((x) => ({ segment: x.label, size: x.size, text: `${fmtInt(x.size)} (${pct(x.share)})` })) },
      encoding: {
        y: { field: 'segment', type: 'nominal', sort: segments, title: null },
        x: { field: 'size', type: 'quantitative', title: 'customers' },
      },
      layer: [
        { mark: 'bar', encoding: { color: { field: 'segment', type: 'nominal', scale: colour, legend: null } } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'text' } } },
      ],
    },
    data.segments.length,
  );

  if ('points' in data.projection) {
    const p = data.projection;
    await add(
      'map',
      'Customer map',
      `${fmtInt(p.points.length)} of ${fmtInt(p.total)} customers placed by their behaviour (principal components of the model's scaled features). ` +
        `Customers close together behave alike; the two axes hold ${pct(p.explained[0] + p.explained[1])} of the differences between customers.`,
      {
        width: 560,
        height: 380,
        data: { values: p.points.map((q) => ({ x: round(q.x, 3), y: round(q.y, 3), segment: q.segment })) },
        // No per-point aria label: a thousand of them would be noise to a screen reader and half the file.
        mark: { type: 'circle', size: 14, opacity: 0.65, aria: false },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: `first component (${pct(p.explained[0])} of the variation)`, axis: { labels: false, ticks: false } },
          y: { field: 'y', type: 'quantitative', title: `second component (${pct(p.explained[1])})`, axis: { labels: false, ticks: false } },
          color: { field: 'segment', type: 'nominal', scale: colour, title: 'segment' },
        },
      },
      p.points.length,
    );
  }

  const features = data.features.map(featureLabel);
  await add(
    'features',
    'What sets each segment apart',
    'Each cell compares the segment with the average customer: orange is above average, blue below, in standard deviations of the model\'s scaled feature. The number is the segment\'s plain average.',
    {
      data: {
        values: data.heat.map((c) => ({ segment: c.segment, feature: featureLabel(c.feature), scaled: round(Math.max(-2.5, Math.min(2.5, c.scaled)), 3), text: fmtValue(c.feature, c.raw) })),
      },
      encoding: {
        x: { field: 'feature', type: 'nominal', sort: features, title: null, axis: { labelAngle: -40, labelLimit: 400 } },
        y: { field: 'segment', type: 'nominal', sort: segments, title: null },
      },
      layer: [
        {
          mark: 'rect',
          encoding: {
            color: { field: 'scaled', type: 'quantitative', scale: { scheme: 'blueorange', domain: [-2.5, 2.5] }, title: 'vs average' },
          },
        },
        { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'text' } } },
      ],
      width: { step: 52 },
      height: { step: 34 },
    },
    data.heat.length,
  );

  const reviewed = data.reviews.filter((r) => r.reviewers > 0);
  await add(
    'sentiment',
    'Review sentiment and buying intent',
    'Among customers who wrote reviews: average sentiment (-1 very negative, +1 very positive), share of negative reviews and share of reviews that show an intent to buy again.',
    {
      data: {
        values: reviewed.map((r) => ({
          segment: r.segment,
          sentiment: round(r.sentiment ?? 0, 3),
          negative: round(r.negativeShare ?? 0, 3),
          intent: round(r.highIntentShare ?? 0, 3),
        })),
      },
      hconcat: [
        { measure: 'average sentiment', field: 'sentiment', domain: [-1, 1], format: '.1f' },
        { measure: 'negative reviews', field: 'negative', domain: [0, 1], format: '.0%' },
        { measure: 'reviews with high buying intent', field: 'intent', domain: [0, 1], format: '.0%' },
      ].map((m, i) => ({
        title: { text: m.measure, fontSize: 12, fontWeight: 'normal' },
        width: 170,
        encoding: {
          y: { field: 'segment', type: 'nominal', sort: segments, title: null, axis: i === 0 ? {} : null },
          x: { field: m.field, type: 'quantitative', title: null, scale: { domain: m.domain }, axis: { format: m.format, tickCount: 5 } },
        },
        layer: [
          { mark: 'bar', encoding: { color: { field: 'segment', type: 'nominal', scale: colour, legend: null } } },
          { mark: { type: 'rule', color: '#888' }, encoding: { x: { datum: 0 } } },
        ],
      })),
    },
    reviewed.length,
  );

  const topics = [...new Set(data.topics.map((t) => t.topic))].sort();
  await add(
    'topics',
    'What reviewers talk about',
    'Share of each segment\'s reviewers who have the topic among their most frequent review topics.',
    {
      data: { values: data.topics.map((t) => ({ ...t, share: round(t.share, 4), text: pct(t.share) })) },
      encoding: {
        x: { field: 'topic', type: 'nominal', sort: topics, title: null, axis: { labelAngle: -40 } },
        y: { field: 'segment', type: 'nominal', sort: segments, title: null },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'share', type: 'quantitative', scale: { scheme: 'greens', domain: [0, 1] }, title: 'reviewers', legend: { format: '.0%' } } } },
        { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'text' }, color: { condition: { test: 'datum.share > 0.6', value: 'white' }, value: 'black' } } },
      ],
      width: { step: 60 },
      height: { step: 30 },
    },
    data.topics.length,
  );

  await add(
    'tiers',
    'Value tier and churn risk',
    'Share of each segment\'s customers in each level. Plain rules: the value tier from spend and order count among buyers, churn risk from the time since the last order against the customer\'s usual gap between orders.',
    {
      data: { values: data.tiers.map((t) => ({ ...t, order: LEVELS.indexOf(t.level) })) },
      columns: 2,
      facet: { field: 'measure', type: 'nominal', title: null, sort: ['value tier', 'churn risk'] },
      spec: {
        width: 260,
        mark: 'bar',
        encoding: {
          y: { field: 'segment', type: 'nominal', sort: segments, title: null },
          x: { field: 'customers', type: 'quantitative', stack: 'normalize', title: 'share of customers', axis: { format: '%' } },
          color: { field: 'level', type: 'nominal', sort: LEVELS, scale: { domain: LEVELS, range: ['#c6dbef', '#6baed6', '#08519c'] }, title: 'level' },
          order: { field: 'order', type: 'quantitative' },
        },
      },
      resolve: { axis: { y: 'independent' } },
    },
    data.tiers.length,
  );

  if (data.lifetime) {
    const lt = data.lifetime;
    await add(
      'p-alive',
      'Chance each customer is still active',
      'P(alive) from the MBG/NBD model: how likely a customer still buys from us, given how often and how recently they bought.',
      {
        width: 520,
        data: { values: lt.pAlive.map((b) => ({ ...b, label: `${Math.round(b.bin * 100)}–${Math.round(b.bin * 100) + 10}%` })) },
        mark: 'bar',
        encoding: {
          x: { field: 'label', type: 'ordinal', title: 'P(alive)', sort: BINS, axis: { labelAngle: 0 } },
          y: { field: 'customers', type: 'quantitative', title: 'customers' },
          color: { field: 'segment', type: 'nominal', scale: colour, title: 'segment' },
        },
      },
      lt.pAlive.length,
    );
    await add(
      'clv',
      'Predicted customer lifetime value',
      'Per segment: the middle half of customers (box), 10th to 90th percentile (line) and median (white tick) of predicted value over the model horizon.',
      {
        width: 520,
        data: { values: lt.clv.map((c) => ({ ...c, p10: round(c.p10, 2), p25: round(c.p25, 2), median: round(c.median, 2), p75: round(c.p75, 2), p90: round(c.p90, 2) })) },
        encoding: { y: { field: 'segment', type: 'nominal', sort: segments, title: null } },
        layer: [
          { mark: { type: 'rule' }, encoding: { x: { field: 'p10', type: 'quantitative', title: 'predicted value' }, x2: { field: 'p90' } } },
          { mark: { type: 'bar', size: 14 }, encoding: { x: { field: 'p25', type: 'quantitative' }, x2: { field: 'p75' }, color: { field: 'segment', type: 'nominal', scale: colour, legend: null } } },
          { mark: { type: 'tick', color: 'white', size: 14, thickness: 2 }, encoding: { x: { field: 'median', type: 'quantitative' } } },
        ],
      },
      lt.clv.length,
    );
  }

  if ('report' in data.drift) {
    const d = data.drift;
    const before = (id: number) => d.before.get(id) ?? `segment ${id}`;
    const after = (id: number) => d.after.get(id) ?? `segment ${id}`;
    await add(
      'drift-sizes',
      `Segment sizes: version ${d.previous} and this version`,
      'Segments keep their id across versions (matched by their centre), so the same bar pair is the same group of customers.',
      {
        width: 520,
        data: {
          values: d.report.sizes.flatMap((x) => [
            { segment: x.name_after ?? x.name_before ?? `segment ${x.segment_id}`, version: `version ${d.previous}`, customers: x.size_before },
            { segment: x.name_after ?? x.name_before ?? `segment ${x.segment_id}`, version: `version ${data.version.version}`, customers: x.size_after },
          ]),
        },
        mark: 'bar',
        encoding: {
          y: { field: 'segment', type: 'nominal', title: null, sort: d.report.sizes.map((x) => x.name_after ?? x.name_before ?? `segment ${x.segment_id}`) },
          yOffset: { field: 'version', type: 'nominal', sort: [`version ${d.previous}`, `version ${data.version.version}`] },
          x: { field: 'customers', type: 'quantitative', title: 'customers' },
          color: { field: 'version', type: 'nominal', scale: { range: ['#bab0ac', '#4e79a7'] }, title: null },
        },
      },
      d.report.sizes.length,
    );
    const moves = d.report.moves.slice(0, 40);
    await add(
      'drift-moves',
      'Where customers moved',
      `Customers who were in one segment in version ${d.previous} and are in another now (rows: before, columns: now).`,
      {
        data: { values: moves.map((m) => ({ from: before(m.from_segment), to: after(m.to_segment), customers: m.customers })) },
        encoding: {
          x: { field: 'to', type: 'nominal', title: 'now in', axis: { labelAngle: -30 } },
          y: { field: 'from', type: 'nominal', title: `was in (version ${d.previous})` },
        },
        layer: [
          { mark: 'rect', encoding: { color: { field: 'customers', type: 'quantitative', scale: { scheme: 'purples' }, title: 'customers' } } },
          { mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'customers' } } },
        ],
        width: { step: 80 },
        height: { step: 32 },
      },
      moves.length,
    );
  }

  const reasons = data.quality.reasons.slice(0, 25);
  await add(
    'rejects',
    'Rows that were not loaded',
    'Source rows that broke a rule of the data contract, by table and rule (the rows themselves are kept in rejected_rows for the data team).',
    {
      width: 420,
      data: { values: reasons.map((r) => ({ ...r, label: `${r.table}: ${r.reason}` })) },
      mark: 'bar',
      encoding: {
        y: { field: 'label', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 1000 } },
        x: { field: 'rows', type: 'quantitative', title: 'rows rejected' },
        color: { field: 'table', type: 'nominal', scale: { scheme: 'tableau10' }, title: 'table' },
      },
    },
    reasons.length,
  );

  await add(
    'stages',
    'Time per stage',
    'Seconds each stage of the run took; a reused stage took its result from an earlier run with the same inputs.',
    {
      width: 420,
      data: { values: data.run.stages.map((x) => ({ stage: x.reused ? `${x.stage} (reused)` : x.stage, seconds: round(x.seconds, 2) })) },
      encoding: {
        y: { field: 'stage', type: 'nominal', sort: null, title: null },
        x: { field: 'seconds', type: 'quantitative', title: 'seconds' },
      },
      layer: [
        { mark: { type: 'bar', color: '#4e79a7' } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'seconds', format: '.1f' } } },
      ],
    },
    data.run.stages.length,
  );
  return charts;
}

/** One Vega-Lite spec to an SVG string; element ids get the chart's prefix so several SVGs share a page safely. */
export async function renderSvg(id: string, spec: Record<string, unknown>): Promise<string> {
  const vega = compile({ config: CONFIG, ...spec } as TopLevelSpec).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg
      // Sub-pixel digits past the second add bytes, not sharpness.
      .replace(/translate\((-?[\d.]+),(-?[\d.]+)\)/g, (_, x: string, y: string) => `translate(${round(Number(x), 2)},${round(Number(y), 2)})`)
      .replace(/ id="([^"]+)"/g, ` id="${id}-$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${id}-$1)`)
      .replace(/<svg /, `<svg role="img" aria-label="${id}" `);
  } finally {
    view.finalize();
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A feature's plain average, formatted the way it is read: shares as %, money and counts rounded. */
export function fmtValue(feature: string, value: number | null): string {
  if (value === null) return '–';
  if (/share|rate$|sensitivity/.test(feature)) return pct(value);
  if (feature === 'mean_sentiment') return (value >= 0 ? '+' : '') + value.toFixed(2);
  if (Math.abs(value) >= 100) return fmtInt(value);
  return value.toFixed(1);
}
