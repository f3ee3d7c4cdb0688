import type { ProfileRunResult } from '../workflows/types.ts';
import { textTable } from './text-table.ts';

/** The human summary of a finished run: version, counts and the segments table. */
export function formatRunSummary(result: ProfileRunResult, outputsPath: string, url?: string): string {
  const loaded = Object.entries(result.tables)
    .map(([table, t]) => (t ? `${table} ${t.loaded} loaded, ${t.rejected} rejected, ${t.afterAsOf} after as-of` : `${table} absent`))
    .join('; ');
  const x = result.extraction;
  const segments = result.segments.map((s) => ({
    segment: s.segmentId,
    persona: s.name,
    size: s.size,
    recency_days: s.means.recency_days,
    orders: s.means.frequency,
    monetary: s.means.monetary,
    discount_share: s.means.discount_share,
    browse_min_month: s.means.browse_minutes_per_month,
    refund_rate: s.means.refund_rate,
    sentiment: s.means.mean_sentiment,
  }));
  return [
    `workflow id:       ${result.workflowId}`,
    ...(url ? [`Temporal UI:       ${url}`] : []),
    `published version: ${result.version} (model ${result.modelVersion}, as of ${result.asOf})`,
    `customers:         ${result.customers}`,
    `sources:           ${loaded}`,
    `review features:   ${x.extractor}/${x.model}: ${x.reviews} reviews, ${x.extracted} extracted, ${x.cacheHits} from cache, ${x.failed} failed, ${x.requests} LLM requests`,
    `segments:          k=${result.k} (silhouette ${result.silhouette.toFixed(3)})`,
    '',
    textTable(segments),
    '',
    `outputs (DuckDB):  ${outputsPath}`,
    `query them:        npx personaflow query "SELECT segment_name, count(*) FROM current_profiles GROUP BY 1"`,
    `              or:  duckdb -readonly ${outputsPath} "SELECT * FROM segments WHERE version = ${result.version}"`,
  ].join('\n');
}
