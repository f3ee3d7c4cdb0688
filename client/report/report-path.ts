import { dirname, join } from 'node:path';

/**
 * Where reports go: one file per version in a reports/ folder beside the
 * published outputs. Kept apart from write-report.ts so the CLI and publish
 * can name the path without loading vega.
 */
export function reportsDir(outputsPath: string): string {
  return join(dirname(outputsPath), 'reports');
}

export function reportFileName(version: number): string {
  return `profile-report-v${version}.html`;
}
