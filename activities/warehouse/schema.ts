import type { Session } from './warehouse.ts';
import { CHECKPOINT_DDL } from '../checkpoints-schema.ts';

/**
 * Tables of the worker's warehouse file that outlive a run. Per-run staging
 * lives in its own schema (see runSchema) so concurrent runs never collide.
 * Published outputs are also copied to a separate reader file (see publish).
 */
export const WAREHOUSE_DDL = [
  `CREATE TABLE IF NOT EXISTS runs (
     run_id VARCHAR PRIMARY KEY,
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
     raw_row JSON NOT NULL,              -- the row as read, every column as text
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
     extracted_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (review_id, extractor, model, prompt_version)
   )`,
  `CREATE TABLE IF NOT EXISTS model_versions (
     model_version VARCHAR PRIMARY KEY,
     run_id VARCHAR NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     k INTEGER NOT NULL,
     artifact JSON NOT NULL,             -- feature list, scaler, centroids, metrics
     metrics JSON NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS profile_versions (
     version INTEGER PRIMARY KEY,
     run_id VARCHAR NOT NULL UNIQUE,     -- publication's idempotency key
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
     suggested_actions VARCHAR[] NOT NULL,
     PRIMARY KEY (version, segment_id)
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
     churn_risk VARCHAR NOT NULL,        -- high | medium | low
     PRIMARY KEY (version, customer_id)
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
  `CREATE OR REPLACE VIEW current_profiles AS
     SELECT * FROM profiles WHERE version = (SELECT max(version) FROM profile_versions)`,
  ...CHECKPOINT_DDL,
];

export async function ensureWarehouseSchema(session: Session): Promise<void> {
  for (const statement of WAREHOUSE_DDL) await session.run(statement);
}

/**
 * The schema holding one run's staging tables (customers, orders, sessions,
 * reviews, features). Derived from the run id, so a retried activity finds
 * the same place; only hex characters, so it is safe to splice into SQL.
 */
export function runSchema(runId: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(runId, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `run_${hash.toString(16).padStart(16, '0')}`;
}
