/**
 * Warehouse tables of stage checkpoints and version retention (see
 * docs/architecture.md, "Checkpoints"). Part of WAREHOUSE_DDL.
 */
export const CHECKPOINT_DDL = [
  // What a run was asked to do, reduced to the fingerprint that decides reuse.
  `CREATE TABLE IF NOT EXISTS run_inputs (
     run_id VARCHAR NOT NULL,            -- key
     fingerprint VARCHAR,                -- null: the sources could not be listed (the load stage says why)
     force BOOLEAN NOT NULL,             -- redo every stage, ignore checkpoints
     inputs JSON NOT NULL                -- what the fingerprint covers: as-of, files, settings
   )`,
  // The latest completed stage per fingerprint: reusable by a later run with the same fingerprint.
  `CREATE TABLE IF NOT EXISTS checkpoints (
     fingerprint VARCHAR NOT NULL,
     stage VARCHAR NOT NULL,             -- load | extract | features | train | publish
     format_version INTEGER NOT NULL,    -- CHECKPOINT_FORMAT when written
     run_id VARCHAR NOT NULL,            -- the run that did the work
     outputs JSON NOT NULL,              -- {"schema": staging schema, "tables": [...]} (+ version for publish)
     result JSON NOT NULL,               -- the activity's result, returned again on reuse
     metrics JSON NOT NULL,              -- the result's numbers, for people
     created_at TIMESTAMPTZ NOT NULL     -- key: (fingerprint, stage)
   )`,
  // A copy of each checkpoint a run's plan means to reuse, made when the plan
  // is made: a concurrent run may replace that checkpoint (it computed the same
  // stage) before this run takes it, and its staging stays while this run runs
  // (retention.ts pruneStaging).
  `CREATE TABLE IF NOT EXISTS planned_reuses (
     run_id VARCHAR NOT NULL,            -- the run that plans the reuse
     stage VARCHAR NOT NULL,             -- key: (run_id, stage)
     from_run VARCHAR NOT NULL,          -- the run whose checkpoint it is
     schema VARCHAR NOT NULL,            -- that run's staging schema
     result JSON NOT NULL                -- the checkpoint's result, returned on reuse
   )`,
  // Per run and stage: done here, or reused from another run's checkpoint.
  `CREATE TABLE IF NOT EXISTS run_stages (
     run_id VARCHAR NOT NULL,
     stage VARCHAR NOT NULL,
     status VARCHAR NOT NULL,            -- done | reused
     source_run VARCHAR,                 -- reused: the run whose checkpoint it was
     finished_at TIMESTAMPTZ NOT NULL    -- key: (run_id, stage)
   )`,
  // Versions kept whatever the retention (personaflow version pin <n>).
  `CREATE TABLE IF NOT EXISTS pinned_versions (
     version INTEGER NOT NULL,           -- key
     pinned_at TIMESTAMPTZ NOT NULL
   )`,
];
