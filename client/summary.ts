import type { ProfileRunResult } from '../workflows/types.ts';
import { textTable } from './text-table.ts';
import { describeCatalog, type LakeConfig } from '../activities/warehouse/lake.ts';

/** The human summary of a finished run: version, counts and the segments table. */
export function formatRunSummary(result: ProfileRunResult, lake: LakeConfig, url?: string): string {
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
    ...(x.requests > 0
      ? [
          `LLM usage:         ${x.promptTokens ?? 0} prompt tokens (${x.cachedPromptTokens ?? 0} cached), ${x.completionTokens ?? 0} completion tokens, ` +
            (x.costUsd === null || x.costUsd === undefined ? 'cost unknown (no price for this model)' : `about $${x.costUsd.toFixed(4)}`),
        ]
      : []),
    `segments:          k=${result.k} (silhouette ${result.silhouette.toFixed(3)})`,
    ...(result.kChoice ? [`k choice:          ${result.kChoice.ambiguous ? 'no clear structure: ' : ''}${result.kChoice.reason}`] : []),
    ...(result.segmentation
      ? [
          `segment stability: ${result.segmentation.ariVsPrevious === undefined ? 'first version (no previous to compare)' : `ARI ${result.segmentation.ariVsPrevious.toFixed(3)} vs the previous version`}` +
            `${result.segmentation.ariVsPrevious !== undefined && result.segmentation.newSegments.length > 0 ? `; new segment ids ${result.segmentation.newSegments.join(', ')}` : ''}` +
            `${result.segmentation.vanishedSegments.length > 0 ? `; vanished ${result.segmentation.vanishedSegments.join(', ')}` : ''}` +
            `; classifier held-out macro-F1 ${result.segmentation.heldOutMacroF1.toFixed(3)}`,
        ]
      : []),
    `checkpoints:       ${result.reusedStages?.length ? `reused ${result.reusedStages.join(', ')} from an earlier run with the same as-of and inputs (--force redoes them)` : 'every stage done by this run'}`,
    '',
    textTable(segments),
    '',
    `outputs (DuckLake): catalog ${describeCatalog(lake)}, data ${lake.dataPath}`,
    `query them:        npx personaflow query "SELECT segment_name, count(*) FROM current_profiles GROUP BY 1"`,
    `  this version:    npx personaflow query --version ${result.version} "SELECT * FROM segments"`,
    `  from DuckDB:     ATTACH 'ducklake:${describeCatalog(lake)}' AS lake (READ_ONLY); USE lake;`,
  ].join('\n');
}
