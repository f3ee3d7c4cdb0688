import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Session } from '../../activities/warehouse/warehouse.ts';
import { loadReportData } from './report-data.ts';
import { buildCharts } from './report-charts.ts';
import { renderReportHtml } from './report-html.ts';
import { reportFileName } from './report-path.ts';

/**
 * Writes the self-contained HTML report of one published version into outDir
 * (created when missing) and returns its path. Takes a read-only session, so
 * publish can call it right after its commit and the CLI on the readers' copy.
 */
export async function writeVersionReport(session: Session, version: number, outDir: string): Promise<string> {
  return writeReportFile(session, version, join(outDir, reportFileName(version)));
}

/** Same, to an exact path. Written to a temporary file and renamed, so a reader never opens half a report. */
export async function writeReportFile(session: Session, version: number, path: string): Promise<string> {
  const data = await loadReportData(session, version);
  const html = renderReportHtml(data, await buildCharts(data), new Date());
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true }); // a full disk leaves a partial file: it must not outlive the failure
    throw error;
  }
  return path;
}
