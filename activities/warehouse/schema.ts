import type { Session } from './warehouse.ts';
import { CHECKPOINT_DDL } from '../checkpoints-schema.ts';
import { LAKE, WORK } from './lake.ts';

/**
 * Tables of the store (the lake) that outlive a run. Per-run staging lives in
 * a lake schema of its own (see runSchema) so concurrent runs never collide and
 * any worker can run any stage. DuckLake has no primary keys or unique
 * constraints: keys are kept by the code that writes (one transaction that
 * checks, then writes; see publish.ts and start-run.ts).
 */
/** The commit message of a publication's snapshot; its extra info holds {"version": N}. */
export const VERSION_COMMIT_MESSAGE = 'personaflow profile version';

export const WAREHOUSE_DDL = [
  `CREATE TABLE IF NOT EXISTS runs (
     run_id VARCHAR NOT NULL,          -- key
     workflow_id VARCHAR NOT NULL,
     as_of TIMESTAMPTZ NOT NULL,
     source VARCHAR NOT NULL,
     status VARCHAR NOT NULL,            -- running | published | failed
     stage VARCHAR NOT NULL,             -- last stage completed or started
     started_at TIMESTAMPTZ NOT NULL,
     finished_at TIMESTAMPTZ,
     row_counts JSON,                    -- loaded rows per table
     rejected_counts JSON,               -- rejected rows per table
     llm JSON,                           -- requests, tokens, cache hits, failures
     version INTEGER,                    -- published profile version
     error VARCHAR
   )`,
  `CREATE TABLE IF NOT EXISTS rejected_rows (
     run_id VARCHAR NOT NULL,
     table_name VARCHAR NOT NULL,
     row_number BIGINT,                  -- 1-based position in the source
     row_key VARCHAR,                    -- the row's id when it has one
     raw_row JSON NOT NULL,              -- the row as read, text columns redacted (the unredacted row is operators' only)
     reason VARCHAR NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS review_features (
     review_id VARCHAR NOT NULL,
     content_hash VARCHAR NOT NULL,      -- sha256(normalised text, extractor, model, prompt_version)
     extractor VARCHAR NOT NULL,         -- provider name: offline | openai | local
     model VARCHAR NOT NULL,
     prompt_version VARCHAR NOT NULL,
     status VARCHAR NOT NULL,            -- ok | failed
     error VARCHAR,
     sentiment_label VARCHAR,            -- negative | neutral | positive
     sentiment_score DOUBLE,             -- [-1, 1]
     purchase_intent VARCHAR,            -- none | low | high
     intent_cue VARCHAR,
     topics VARCHAR[],
     keywords VARCHAR[],
     price_sensitive BOOLEAN,
     quality_complaint BOOLEAN,
     service_complaint BOOLEAN,
     language VARCHAR,
     run_id VARCHAR NOT NULL,
     extracted_at TIMESTAMPTZ NOT NULL   -- key: (review_id, extractor, model, prompt_version)
   )`,
  `CREATE TABLE IF NOT EXISTS model_versions (
     model_version VARCHAR NOT NULL,     -- key
     run_id VARCHAR NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     k INTEGER NOT NULL,
     artifact JSON NOT NULL,             -- feature list, scaler, centroids, metrics
     metrics JSON NOT NULL
   )`,
  // One row per published version; readers see it through the view
  // profile_versions, which adds the DuckLake snapshot the version was
  // committed in (from the commit's own metadata, see publish.ts).
  `CREATE TABLE IF NOT EXISTS profile_version_rows (
     version INTEGER NOT NULL,           -- key
     run_id VARCHAR NOT NULL,            -- publication's idempotency key (unique)
     workflow_id VARCHAR NOT NULL,
     as_of TIMESTAMPTZ NOT NULL,
     published_at TIMESTAMPTZ NOT NULL,
     model_version VARCHAR NOT NULL,
     customers INTEGER NOT NULL,
     segments INTEGER NOT NULL,
     metrics JSON NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS segments (
     version INTEGER NOT NULL,
     segment_id INTEGER NOT NULL,
     name VARCHAR NOT NULL,
     description VARCHAR NOT NULL,
     size INTEGER NOT NULL,
     feature_means JSON NOT NULL,
     suggested_actions VARCHAR[] NOT NULL -- key: (version, segment_id)
   )`,
  `CREATE TABLE IF NOT EXISTS profiles (
     version INTEGER NOT NULL,
     customer_id VARCHAR NOT NULL,
     as_of TIMESTAMPTZ NOT NULL,
     model_version VARCHAR NOT NULL,
     segment_id INTEGER NOT NULL,
     segment_name VARCHAR NOT NULL,
     recency_days DOUBLE,
     frequency INTEGER NOT NULL,
     monetary DOUBLE NOT NULL,
     avg_order_value DOUBLE,
     discount_share DOUBLE NOT NULL,
     refund_rate DOUBLE NOT NULL,
     price_sensitivity DOUBLE NOT NULL,
     browse_minutes_per_month DOUBLE NOT NULL,
     sessions_per_month DOUBLE NOT NULL,
     cart_abandon_rate DOUBLE NOT NULL,
     tenure_days DOUBLE NOT NULL,
     top_categories VARCHAR[] NOT NULL,
     review_count INTEGER NOT NULL,
     mean_sentiment DOUBLE,
     negative_review_share DOUBLE,
     high_intent_share DOUBLE,
     top_topics VARCHAR[] NOT NULL,
     value_tier VARCHAR NOT NULL,        -- high | medium | low
     churn_risk VARCHAR NOT NULL         -- high | medium | low; key: (version, customer_id)
   )`,
  // Segmentation profile fields (issue 4), added by ALTER so warehouses made
  // before them migrate in place; publish.ts appends them in this order.
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS r_score INTEGER`, // RFM quintiles 1..5, 0 = never ordered
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS f_score INTEGER`,
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS m_score INTEGER`,
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS top_category_shares DOUBLE[]`, // shares of top_categories
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS quality_complaint_share DOUBLE`,
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS service_complaint_share DOUBLE`,
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS recommended_categories VARCHAR[]`,
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS risk_flags VARCHAR[]`,
  // Issue 8: BG/NBD + Gamma-Gamma over the model's horizon (NULL = never ordered) and why the segment.
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS p_alive DOUBLE`,
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS expected_orders DOUBLE`,
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS predicted_clv DOUBLE`,
  `ALTER TABLE profiles ADD COLUMN IF NOT EXISTS segment_reasons VARCHAR[]`,
  `ALTER TABLE segments ADD COLUMN IF NOT EXISTS segment_reasons VARCHAR[]`,
  // The single row every publication updates: two concurrent publications
  // both change it, so the lake lets only one of them commit (the other is
  // redone and takes the next number). Appends alone would never conflict.
  `CREATE TABLE IF NOT EXISTS version_counter (last_version INTEGER NOT NULL)`,
  `CREATE VIEW IF NOT EXISTS version_snapshots AS
     SELECT (commit_extra_info::JSON->>'version')::INTEGER AS version, snapshot_id, snapshot_time
     FROM ${LAKE}.snapshots() WHERE commit_message = '${VERSION_COMMIT_MESSAGE}'`,
  `CREATE VIEW IF NOT EXISTS profile_versions AS
     SELECT v.*, s.snapshot_id FROM profile_version_rows v LEFT JOIN version_snapshots s USING (version)`,
  `CREATE VIEW IF NOT EXISTS current_profiles AS
     SELECT * FROM profiles WHERE version = (SELECT max(version) FROM profile_version_rows)`,
  ...CHECKPOINT_DDL,
];

/**
 * Creates what is missing, in one transaction (workers starting together race
 * to create the same tables; the loser's commit is redone and finds them).
 */
export async function ensureWarehouseSchema(session: Session): Promise<void> {
  const present = await session.one<{ n: number }>(
    `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'version_counter'`,
  );
  if (present && present.n > 0 && (await schemaComplete(session))) return;
  await session.transaction(async (tx) => {
    for (const statement of WAREHOUSE_DDL) await tx.run(statement);
    const counter = await tx.one<{ n: number }>('SELECT count(*) AS n FROM version_counter');
    if (counter?.n === 0) {
      await tx.run('INSERT INTO version_counter SELECT coalesce(max(version), 0) FROM profile_version_rows');
    }
  });
}

/** True when every column the DDL adds exists (a store made by an older release gets the rest). */
async function schemaComplete(session: Session): Promise<boolean> {
  const columns = await session.all<{ t: string; c: string }>(
    `SELECT table_name AS t, column_name AS c FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main'`,
  );
  const have = new Set(columns.map((r) => `${r.t}.${r.c}`));
  return WAREHOUSE_DDL.every((statement) => {
    const added = /ALTER TABLE (\w+) ADD COLUMN IF NOT EXISTS (\w+)/.exec(statement);
    return !added || have.has(`${added[1]}.${added[2]}`);
  });
}

/**
 * The schema holding one run's staging tables (customers, orders, sessions,
 * reviews, features), in the work lake (`work.run_<hex>`): any worker finds it,
 * readers never see it. Derived from the run id, so a retried activity finds
 * the same place; only hex characters, so it is safe to splice into SQL.
 */
export function runSchema(runId: string): string {
  return `${WORK}.${runSchemaName(runId)}`;
}

/** The unqualified schema name of runSchema(runId). */
export function runSchemaName(runId: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(runId, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `run_${hash.toString(16).padStart(16, '0')}`;
}
