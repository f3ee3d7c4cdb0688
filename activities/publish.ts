import type { ActivityDeps } from './deps.ts';
import { runSchema, VERSION_COMMIT_MESSAGE } from './warehouse/schema.ts';
import { holdAfterPublishCommit } from './test-hooks.ts';
import { DEFAULT_KEEP_VERSIONS, pruneStaging, pruneVersions, expireOldSnapshots } from './retention.ts';
import { LAKE } from './warehouse/lake.ts';
import type { SegmentSummary } from '../workflows/types.ts';
import type { Session } from './warehouse/warehouse.ts';

export interface PublishInput {
  runId: string;
  workflowId: string;
  asOf: string;
  modelVersion: string;
  metrics: Record<string, number>;
  /** Stages the workflow took from an earlier run's checkpoint, reported back in the result. */
  reusedStages?: string[];
}

export interface PublishResult {
  version: number;
  customers: number;
  segments: SegmentSummary[];
  /** The DuckLake snapshot the version was committed in (time travel: AT (VERSION => snapshot)). */
  snapshotId: number;
  reusedStages: string[];
}

/**
 * Publish stage: version N of profiles, segments and profile_versions in one
 * DuckLake transaction, i.e. one snapshot: readers see all of it or none. The
 * run id is the idempotency key: a retry after the commit finds its version
 * and does not publish again. Concurrent publications (a backfill, several
 * workers) each update the one row of version_counter, so only one of two
 * racing commits succeeds; the other is redone whole and takes the next number.
 */
export function createPublishVersion(deps: ActivityDeps) {
  return async function publishVersion(input: PublishInput): Promise<PublishResult> {
    return deps.warehouse.withSession(async (s) => {
      const schema = runSchema(input.runId);
      const version = await s.transaction(async (tx) => {
        const existing = await tx.one<{ version: number }>(
          'SELECT version FROM profile_version_rows WHERE run_id = $1',
          [input.runId],
        );
        if (existing) return existing.version;
        await tx.run('UPDATE version_counter SET last_version = last_version + 1');
        const next = (await tx.one<{ v: number }>('SELECT last_version AS v FROM version_counter'))!.v;
        await insertVersion(tx, schema, next, input);
        await tx.run(`CALL ${LAKE}.set_commit_message('personaflow', $1, extra_info => $2)`, [
          VERSION_COMMIT_MESSAGE,
          JSON.stringify({ version: next, run_id: input.runId }),
        ]);
        return next;
      });
      await holdAfterPublishCommit(deps.holdAfterPublishCommit, version);
      // Retention after the commit is best effort: the version is published, and
      // failing here (a full disk) would end in a run reported failed whose
      // version stays current. The next publication tries again.
      await afterCommit('older versions', () => pruneVersions(s, deps.keepVersions ?? DEFAULT_KEEP_VERSIONS));
      // Staging stays while checkpoints may reuse it; older staging goes (retention.ts).
      await afterCommit('old staging', () => pruneStaging(s));
      await expireOldSnapshots(s);
      if (deps.reportsDir) await writeReport(s, version, deps.reportsDir);
      const row = (await s.one<{ n: number; snapshot_id: number }>(
        'SELECT customers AS n, snapshot_id FROM profile_versions WHERE version = $1',
        [version],
      ))!;
      return {
        version,
        customers: row.n,
        segments: await segmentSummaries(s, version),
        snapshotId: row.snapshot_id,
        reusedStages: input.reusedStages ?? (await legacyReusedStages(s, input.runId)),
      };
    });
  };
}

/** A retention step after the commit: reported, never raised (see publishVersion). */
async function afterCommit(what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (error) {
    console.warn(`personaflow: retention could not remove ${what} this time (${(error as Error).message.split('\n')[0]}); the next publication tries again`);
  }
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
    `INSERT INTO profile_version_rows
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

/** Runs started before run plans reused stages inside the activities, which recorded it in run_stages. */
async function legacyReusedStages(s: Session, runId: string): Promise<string[]> {
  const order = ['load', 'extract', 'features', 'train', 'publish'];
  const rows = await s.all<{ stage: string }>(`SELECT stage FROM run_stages WHERE run_id = $1 AND status = 'reused'`, [runId]);
  const reused = new Set(rows.map((r) => r.stage));
  return order.filter((stage) => reused.has(stage));
}

/**
 * The version's HTML report beside the outputs (client/report/). Best effort,
 * like retention: the version is already published, so a failure is reported
 * and never fails the publication. Imported lazily: vega loads only here.
 */
async function writeReport(s: Session, version: number, dir: string): Promise<void> {
  try {
    const { writeVersionReport } = await import('../client/report/write-report.ts');
    await writeVersionReport(s, version, dir);
  } catch (error) {
    console.warn(`personaflow: the report of version ${version} was not written (${(error as Error).message.split('\n')[0]}); \`personaflow report --version ${version}\` writes it`);
  }
}
