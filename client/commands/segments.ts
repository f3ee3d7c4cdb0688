import type { Command } from 'commander';
import { loadConfig } from '../../worker/config.ts';
import { textTable } from '../text-table.ts';
import { UsageError } from '../usage-error.ts';
import { DataError } from '../cli-errors.ts';

/** The means shown in the table (the same as the run summary's); --json gives them all. */
const KEY_MEANS: Array<[string, string]> = [
  ['recency_days', 'recency_days'],
  ['frequency', 'orders'],
  ['monetary', 'monetary'],
  ['discount_share', 'discount_share'],
  ['browse_minutes_per_month', 'browse_min_month'],
  ['refund_rate', 'refund_rate'],
  ['mean_sentiment', 'sentiment'],
];

const SEGMENTS_SQL = `
  SELECT segment_id, name AS persona, size, feature_means::VARCHAR AS feature_means, description, suggested_actions
  FROM segments WHERE version = $1 ORDER BY segment_id`;

/** `personaflow segments [--version N] [--json]`: persona, size and key feature means of one version. */
export function registerSegments(program: Command): void {
  program
    .command('segments')
    .option('--version <n>', 'the published version (default: the current one)')
    .option('--json', 'print the segments as JSON (every feature mean, description, suggested actions)')
    .action(async (options: { version?: string; json?: boolean }) => {
      const asked = options.version === undefined ? undefined : Number(options.version);
      if (asked !== undefined && !(Number.isInteger(asked) && asked >= 1)) throw new UsageError(`--version ${options.version}: must be a positive integer`);
      const { withOutputsSession } = await import('../outputs-reader.ts');
      const { version, rows } = await withOutputsSession(loadConfig().lake, async (s) => {
        const version = asked ?? (await s.one<{ v: number | null }>('SELECT max(version) AS v FROM profile_versions'))?.v ?? null;
        if (version === null) throw new DataError('no version has been published yet');
        const rows = await s.all<{ segment_id: number; persona: string; size: number; feature_means: string; description: string; suggested_actions: string[] }>(SEGMENTS_SQL, [version]);
        if (rows.length === 0) throw new DataError(`version ${version} has no segments: never published, or removed by retention (see \`personaflow version list\`)`);
        return { version, rows };
      });
      const segments = rows.map((r) => ({ ...r, feature_means: JSON.parse(r.feature_means) as Record<string, number> }));
      if (options.json) {
        console.log(JSON.stringify({ version, segments }, null, 2));
        return;
      }
      console.log(`segments of version ${version}:`);
      console.log(
        textTable(
          segments.map((s) => ({
            segment: s.segment_id,
            persona: s.persona,
            size: s.size,
            ...Object.fromEntries(KEY_MEANS.map(([key, label]) => [label, s.feature_means[key] ?? null])),
          })),
        ),
      );
    });
}
