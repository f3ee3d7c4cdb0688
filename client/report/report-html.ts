import type { Chart } from './report-charts.ts';
import { fmtInt, fmtValue, pct } from './report-charts.ts';
import type { ReportData } from './report-data.ts';
import { featureLabel } from './feature-labels.ts';

/**
 * The report page: one HTML file with its CSS inline and its charts as inline
 * SVG. No script, no font, no image or stylesheet link: it opens offline, in
 * a mail attachment or from a shared drive, and looks the same everywhere.
 */
const CSS = `
:root { --ink: #1d2433; --muted: #5b6475; --line: #e3e6ec; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { background: #1d2433; color: #fff; padding: 28px 40px 22px; }
header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 600; }
header p { margin: 0; color: #c9cfdb; }
main { max-width: 1180px; margin: 0 auto; padding: 8px 40px 40px; }
section { margin-top: 28px; }
h2 { font-size: 20px; margin: 0 0 4px; font-weight: 600; }
h2 + p.lead { margin-top: 0; color: var(--muted); }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0 0; padding: 0; list-style: none; }
.figures li { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.figures b { display: block; font-size: 22px; font-weight: 600; }
.figures span { color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; }
.card { background: #fff; border: 1px solid var(--line); border-top: 5px solid var(--c); border-radius: 8px; padding: 14px 18px; }
.card h3 { margin: 0; font-size: 17px; }
.card .size { color: var(--muted); font-size: 13px; margin: 2px 0 8px; }
.card p { margin: 6px 0; }
.card ul { margin: 6px 0 0; padding-left: 20px; }
.card .label { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin-top: 10px; }
figure.chart { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 14px 0 0; padding: 14px 18px; overflow-x: auto; }
figure.chart h3 { margin: 0; font-size: 16px; }
figure.chart figcaption p { margin: 2px 0 10px; color: var(--muted); font-size: 13.5px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; background: #fff; margin-top: 12px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 12px; text-align: left; }
th { font-weight: 600; color: var(--muted); font-size: 13px; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: #fff; border: 1px dashed #c5cad4; border-radius: 8px; padding: 10px 14px; color: var(--muted); }
footer { color: var(--muted); font-size: 12.5px; margin-top: 36px; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 0 14px; }
`;

export function renderReportHtml(data: ReportData, charts: Map<string, Chart>, generatedAt: Date): string {
  const v = data.version;
  const chart = (id: string, missing: string) => {
    const c = charts.get(id);
    if (!c) return `<p class="note">${esc(missing)}</p>`;
    return `<figure class="chart" data-chart="${esc(c.id)}"><figcaption><h3>${esc(c.title)}</h3><p>${esc(c.caption)}</p></figcaption>${c.svg}</figure>`;
  };
  const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  const reviewers = data.reviews.reduce((s, r) => s + r.reviewers, 0);
  const rejected = data.quality.tables.reduce((s, t) => s + t.rejected, 0);
  const loaded = data.quality.tables.reduce((s, t) => s + t.loaded, 0);

  const cards = data.segments
    .map(
      (x, i) => `<article class="card" style="--c:${palette[i % palette.length]}">
  <h3>${esc(x.label)}</h3>
  <div class="size">${fmtInt(x.size)} customers · ${pct(x.share)} of all</div>
  <p>${esc(x.description)}</p>
  ${x.categories.length ? `<div class="label">Main categories</div><p>${x.categories.map((c) => `${esc(c.category)} (${pct(c.share)})`).join(', ')}</p>` : ''}
  ${x.actions.length ? `<div class="label">Suggested actions</div><ul>${x.actions.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>` : ''}
</article>`,
    )
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="personaflow report">
<title>Customer profiles · version ${v.version} · as of ${esc(day(v.asOf))}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>Customer profiles, version ${v.version}</h1>
  <p>Customers as of ${esc(day(v.asOf))} · published ${esc(stamp(v.publishedAt))} · ${fmtInt(v.customers)} customers in ${data.segments.length} segments</p>
</header>
<main>
<ul class="figures">
  <li><b>${fmtInt(v.customers)}</b><span>customers profiled</span></li>
  <li><b>${data.segments.length}</b><span>segments (personas)</span></li>
  <li><b>${fmtInt(reviewers)}</b><span>customers with reviews</span></li>
  ${v.silhouette !== null ? `<li><b>${v.silhouette.toFixed(2)}</b><span>segment separation (silhouette, −1…1)</span></li>` : ''}
  ${v.ariVsPrevious !== null ? `<li><b>${pct(v.ariVsPrevious)}</b><span>agreement with the previous segmentation</span></li>` : ''}
  <li><b>${share(rejected, loaded + rejected)}</b><span>source rows rejected</span></li>
</ul>

<section id="personas">
  <h2>Personas</h2>
  <p class="lead">Each segment is a group of customers who behave alike; the name and description come from how the group differs from the average customer.</p>
  <div class="cards">${cards}</div>
  ${chart('sizes', 'No segments in this version.')}
</section>

<section id="behaviour">
  <h2>How the segments differ</h2>
  ${chart('map', 'projection' in data && 'unavailable' in data.projection ? `No customer map: ${data.projection.unavailable}.` : 'No customer map.')}
  ${chart('features', 'No feature profile: the model of this version could not be read.')}
</section>

<section id="reviews">
  <h2>What customers say</h2>
  <p class="lead">From the reviews, read by the ${esc(data.run.llm ? `${data.run.llm.extractor} extractor (${data.run.llm.model})` : 'review extractor')}.</p>
  ${chart('sentiment', 'No customer of this version wrote a review.')}
  ${chart('topics', 'No review topics in this version.')}
</section>

<section id="value">
  <h2>Value and churn</h2>
  ${data.lifetime ? `${chart('p-alive', 'No P(alive) values.')}${chart('clv', 'No predicted lifetime values.')}${clvTable(data)}` : '<p class="note">This version has no P(alive) or predicted lifetime value columns; the rule-based value tier and churn risk follow.</p>'}
  ${chart('tiers', 'No value tiers.')}
</section>

<section id="drift">
  <h2>Changes since the previous version</h2>
  ${driftSection(data, chart)}
</section>

<section id="quality">
  <h2>Data quality</h2>
  <p class="lead">Rows that break the data contract are not used; they are counted here so nothing is dropped silently.</p>
  <table><thead><tr><th>table</th><th>rows loaded</th><th>rows rejected</th><th>share rejected</th></tr></thead><tbody>
  ${data.quality.tables.map((t) => `<tr><td>${esc(t.table)}</td><td class="n">${fmtInt(t.loaded)}</td><td class="n">${fmtInt(t.rejected)}</td><td class="n">${share(t.rejected, t.loaded + t.rejected)}</td></tr>`).join('')}
  </tbody></table>
  ${data.quality.reviewsFailed > 0 ? `<p>${fmtInt(data.quality.reviewsFailed)} reviews could not be read by the extractor and count as having no opinion.</p>` : ''}
  ${chart('rejects', 'Every source row passed the checks.')}
</section>

<section id="run">
  <h2>The run behind this version</h2>
  ${runTable(data)}
  ${chart('stages', 'Stage times are not recorded in this store.')}
</section>

<footer>Made by <code>personaflow report</code> on ${esc(stamp(generatedAt))} from the published outputs. Model ${esc(v.modelVersion)} · run ${esc(v.runId)} · workflow ${esc(v.workflowId)}. This file needs no network connection.</footer>
</main>
</body>
</html>
`;
}

function driftSection(data: ReportData, chart: (id: string, missing: string) => string): string {
  if ('unavailable' in data.drift) return `<p class="note">${esc(data.drift.unavailable)}</p>`;
  const d = data.drift;
  const r = d.report;
  const changes = [...r.meanChanges]
    .sort((a, b) => Math.abs(b.relative ?? Infinity) - Math.abs(a.relative ?? Infinity))
    .slice(0, 15);
  const moved = `${fmtInt(r.movedCustomers)} of the ${fmtInt(r.commonCustomers)} customers in both versions (${share(r.movedCustomers, r.commonCustomers)}) changed segment since version ${d.previous}.`;
  const table = changes.length
    ? `<h3>Segment averages that changed by 10% or more</h3>
<table><thead><tr><th>segment</th><th>measure</th><th>version ${d.previous}</th><th>now</th><th>change</th></tr></thead><tbody>
${changes
  .map(
    (c) =>
      `<tr><td>${esc(d.after.get(c.segment_id) ?? `segment ${c.segment_id}`)}</td><td>${esc(featureLabel(c.feature))}</td><td class="n">${fmtValue(c.feature, c.before)}</td><td class="n">${fmtValue(c.feature, c.after)}</td><td class="n">${c.relative === null ? 'new' : `${c.relative > 0 ? '+' : ''}${(c.relative * 100).toFixed(0)}%`}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`
    : '<p>No segment average changed by 10% or more.</p>';
  return `<p class="lead">${esc(moved)}</p>
${chart('drift-sizes', 'No segment sizes to compare.')}
${chart('drift-moves', 'No customer changed segment.')}
${table}`;
}

function clvTable(data: ReportData): string {
  const rows = data.lifetime!.clv;
  return `<table><thead><tr><th>segment</th><th>average P(alive)</th><th>median predicted value</th><th>total predicted value</th></tr></thead><tbody>
${rows.map((c) => `<tr><td>${esc(c.segment)}</td><td class="n">${pct(c.meanPAlive)}</td><td class="n">${fmtInt(c.median)}</td><td class="n">${fmtInt(c.total)}</td></tr>`).join('\n')}
</tbody></table>`;
}

function runTable(data: ReportData): string {
  const run = data.run;
  const seconds = run.startedAt && run.finishedAt ? (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000 : null;
  const llm = run.llm;
  const rows: Array<[string, string]> = [
    ['customers as of', stamp(data.version.asOf)],
    ['run started', run.startedAt ? stamp(run.startedAt) : '–'],
    ['run took', seconds === null ? '–' : `${seconds.toFixed(1)} s`],
    ['status', run.status],
  ];
  if (llm) {
    rows.push(
      ['review extractor', `${llm.extractor} (${llm.model})`],
      ['reviews read', `${fmtInt(llm.reviews)}: ${fmtInt(llm.extracted)} newly, ${fmtInt(llm.cacheHits)} from earlier runs, ${fmtInt(llm.failed)} failed`],
      ['LLM requests', fmtInt(llm.requests)],
      ['LLM tokens', `${fmtInt(llm.promptTokens + llm.completionTokens)} (${fmtInt(llm.promptTokens)} prompt, ${fmtInt(llm.completionTokens)} completion)`],
      ['LLM cost', llm.costUsd === null ? (llm.requests === 0 ? 'none (no LLM requests)' : 'unknown (no price for this model)') : `$${llm.costUsd.toFixed(4)}`],
    );
  }
  return `<table><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>`;
}

function share(part: number, whole: number): string {
  if (whole === 0) return '–';
  if (part === 0) return '0%';
  const s = (part / whole) * 100;
  return `${s < 1 && s > 0 ? s.toFixed(2) : s.toFixed(1)}%`;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function stamp(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}
