// `npm run bench -- report`: how long the profile report
// takes per phase and how large the HTML is, on the published outputs of a
// demo or run (PERSONAFLOW_HOME's store). Publish writes a report
// for every version, so this is the cost each publication pays.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../worker/config.ts';
import { withOutputsSession } from '../client/outputs-reader.ts';
import { loadReportData, newestVersion } from '../client/report/report-data.ts';
import { buildCharts } from '../client/report/report-charts.ts';
import { renderReportHtml } from '../client/report/report-html.ts';
import { writeVersionReport } from '../client/report/write-report.ts';

export async function run(args: string[]): Promise<void> {
  void args;
  const outputs = loadConfig().lake;
  const out = mkdtempSync(join(tmpdir(), 'personaflow-bench-report-'));
  try {
    await withOutputsSession(outputs, async (s) => {
      const version = await newestVersion(s);
      const t0 = performance.now();
      const data = await loadReportData(s, version);
      const t1 = performance.now();
      const charts = await buildCharts(data);
      const t2 = performance.now();
      const html = renderReportHtml(data, charts, new Date());
      const t3 = performance.now();
      const path = await writeVersionReport(s, version, out);
      const t4 = performance.now();
      console.log(`version ${version}: ${data.version.customers} customers, ${data.segments.length} segments, ${charts.size} charts`);
      console.log(`queries + scaling + PCA: ${(t1 - t0).toFixed(0)} ms (first call)`);
      console.log(`charts (vega-lite -> vega -> SVG): ${(t2 - t1).toFixed(0)} ms (first call, includes loading vega)`);
      console.log(`layout: ${(t3 - t2).toFixed(0)} ms`);
      console.log(`whole report again (warm): ${(t4 - t3).toFixed(0)} ms`);
      console.log(`size: ${(statSync(path).size / 1024).toFixed(0)} KiB (${html.length} characters)`);
      for (const c of charts.values()) console.log(`  ${c.id.padEnd(12)} ${(c.svg.length / 1024).toFixed(0).padStart(5)} KiB`);
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
