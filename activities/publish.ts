import type { ActivityDeps } from './deps.ts';
import { asActivity } from './temporal-failure.ts';
import { runSchema } from './warehouse/schema.ts';
import { exportOutputs } from './warehouse/outputs-snapshot.ts';
import { heartbeatWhile } from './heartbeat-while.ts';
import { SerialQueue } from './serial-queue.ts';
import { holdAfterPublishCommit } from './test-hooks.ts';
import { DEFAULT_KEEP_VERSIONS, pruneStaging, pruneVersions } from './retention.ts';
import type { SegmentSummary } from '../workflows/types.ts';
import type { Session } from './warehouse/warehouse.ts';

export interface PublishInput {
  runId: string;
  workflowId: string;
  asOf: string;
  modelVersion: string;
  metrics: Record<string, number>;
}

export interface PublishResult {
  version: number;
  customers: number;
  segments: SegmentSummary[];
  outputsPath: string;
}

/**
 * Publish stage: version N of profiles, segments and profile_versions in one
 * transaction, then the readers' snapshot. The run id is the idempotency key:
 * a retry after the commit finds its version and does not publish again.
 */
const versionAssignment = new SerialQueue();

export function createPublishVersion(deps: ActivityDeps) {
  return async function publishVersion(input: PublishInput): Promise<PublishResult> {
    return asActivity(() => heartbeatWhile(() =>
      deps.warehouse.withSession(async (s) => {
        const schema = runSchema(input.runId);
        // Parallel runs (backfills) would otherwise both claim max(version) + 1.
        const version = await versionAssignment.run(() => s.transaction(async (tx) => {
          const existing = await tx.one<{ version: number }>(
            'SELECT version FROM profile_versions WHERE run_id = $1',
            [input.runId],
          );
          if (existing) return existing.version;
          const next = (await tx.one<{ v: number }>('SELECT coalesce(max(version), 0) + 1 AS v FROM profile_versions'))!.v;
          await insertVersion(tx, schema, next, input);
          return next;
        }));
        await holdAfterPublishCommit(deps.holdAfterPublishCommit, version);
        await pruneVersions(s, deps.keepVersions ?? DEFAULT_KEEP_VERSIONS);
        await exportOutputs(s, deps.outputsPath);
        // Staging stays while checkpoints may reuse it; older staging goes (retention.ts).
        await pruneStaging(s);
        return {
          version,
          customers: (await s.one<{ n: number }>('SELECT customers AS n FROM profile_versions WHERE version = $1', [version]))!.n,
          segments: await segmentSummaries(s, version),
          outputsPath: deps.outputsPath,
        };
      }),
    ));
  };
}

async function insertVersion(tx: Session, schema: string, version: number, input: PublishInput): Promise<void> {
  const params = { version, as_of: input.asOf, mv: input.modelVersion };
  await tx.run(
    `INSERT INTO profiles
     SELECT $version, f.customer_id, $as_of::TIMESTAMPTZ, $mv, a.segment_id, c.name,
            f.recency_days, f.frequency, f.monetary, f.avg_order_value, f.discount_share, f.refund_rate,
            f.price_sensitivity, f.browse_minutes_per_month, f.sessions_per_month, f.cart_abandon_rate,
            f.tenure_days, f.top_categories, f.review_count, f.mean_sentiment, f.negative_review_share,
            f.high_intent_share, f.top_topics, a.value_tier, a.churn_risk,
            f.r_score, f.f_score, f.m_score, f.top_category_shares, f.quality_complaint_share,
            f.service_complaint_share, a.recommended_categories, a.risk_flags,
            a.p_alive, a.expected_orders, a.predicted_clv, a.segment_reasons
     FROM ${schema}.features f
     JOIN ${schema}.assignments a USING (customer_id)
     JOIN ${schema}.segment_cards c USING (segment_id)`,
    params,
  );
  await tx.run(
    `INSERT INTO segments
     SELECT $version, segment_id, name, description, size, feature_means, suggested_actions, segment_reasons
     FROM ${schema}.segment_cards`,
    { version },
  );
  await tx.run(
    `INSERT INTO profile_versions
     SELECT $version, $run_id, $workflow_id, $as_of::TIMESTAMPTZ, now(), $mv,
            (SELECT count(*) FROM ${schema}.assignments), (SELECT count(*) FROM ${schema}.segment_cards), $metrics::JSON`,
    { ...params, run_id: input.runId, workflow_id: input.workflowId, metrics: JSON.stringify(input.metrics) },
  );
  await tx.run(
    `UPDATE runs SET status = 'published', stage = 'publish', version = $version, finished_at = now() WHERE run_id = $run_id`,
    { version, run_id: input.runId },
  );
}

async function segmentSummaries(s: Session, version: number): Promise<SegmentSummary[]> {
  const rows = await s.all<{ segment_id: number; name: string; size: number; feature_means: string }>(
    'SELECT segment_id, name, size, feature_means::VARCHAR AS feature_means FROM segments WHERE version = $1 ORDER BY segment_id',
    [version],
  );
  return rows.map((r) => ({ segmentId: r.segment_id, name: r.name, size: r.size, means: JSON.parse(r.feature_means) }));
}
