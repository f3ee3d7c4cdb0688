import { join } from 'node:path';

/**
 * Where reports go: one file per version in PERSONAFLOW_HOME/reports/ of the
 * machine that writes it (publish writes one on the worker that published;
 * `personaflow report` writes one from the lake on any machine). Kept apart
 * from write-report.ts so the CLI and publish can name the path without
 * loading vega.
 */
export function reportsDir(home: string): string {
  return join(home, 'reports');
}

export function reportFileName(version: number): string {
  return `profile-report-v${version}.html`;
}
