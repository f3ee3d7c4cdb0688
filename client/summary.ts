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
    ...(result.segmentation ? [`segment stability: ${stability(result)}`] : []),
    `checkpoints:       ${result.reusedStages?.length ? `reused ${result.reusedStages.join(', ')} from an earlier run with the same as-of and inputs (--force redoes them)` : 'every stage done by this run'}`,
    '',
    textTable(segments),
    '',
    `outputs (DuckLake): catalog ${describeCatalog(lake)}, data ${lake.dataPath}`,
    `query them:        npx personaflow query "SELECT segment_name, count(*) FROM current_profiles GROUP BY 1"`,
    `  this version:    npx personaflow query --version ${result.version} "SELECT * FROM segments"`,
    `                   npx personaflow segments --version ${result.version} --json`,
  ].join('\n');
}

/**
 * How the segments compare with the previous version. A run whose train stage
 * was reused from a checkpoint carries that earlier run's train result, whose
 * "previous version" was the one before it: so say that the model was reused
 * rather than repeat its comparison (which read "first version" on the second
 * demo although version 1 existed).
 */
function stability(result: ProfileRunResult): string {
  const s = result.segmentation!;
  const f1 = `; classifier held-out macro-F1 ${s.heldOutMacroF1.toFixed(3)}`;
  if (result.reusedStages?.includes('train')) {
    return `the model of an earlier run with the same as-of and inputs was reused (same segments; --force retrains)${f1}`;
  }
  if (s.ariVsPrevious === undefined) return `first version (no previous to compare)${f1}`;
  return (
    `ARI ${s.ariVsPrevious.toFixed(3)} vs the previous version` +
    (s.newSegments.length > 0 ? `; new segment ids ${s.newSegments.join(', ')}` : '') +
    (s.vanishedSegments.length > 0 ? `; vanished ${s.vanishedSegments.join(', ')}` : '') +
    f1
  );
}
