import { SAFE_SCHEMA, splitSchema } from '../warehouse/sql-quote.ts';
import type { DuckDBAppender } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import type { Session, Warehouse } from '../warehouse/warehouse.ts';
import { redactPII } from './redact.ts';
import {
  CASCADE_USAGE_KEYS,
  emptyUsage,
  promptVersionOf,
  type ExtractionOutcome,
  type ExtractionUsage,
  type ReviewFeatureExtractor,
  type ReviewInput,
} from './review-features.ts';

export interface ExtractDeps {
  warehouse: Warehouse;
  extractor: ReviewFeatureExtractor;
  batchSize: number;
  concurrency: number;
  /** Called after the cache step and after each write (a good place to heartbeat). */
  onProgress?: (progress: { done: number; total: number; usage?: ExtractionUsage }) => void;
  /** Cancels in-flight extractor calls (e.g. the activity's cancellation signal). */
  signal?: AbortSignal;
}

export interface ExtractInput {
  runId: string;
  /** The run's staging schema, from runSchema(runId). */
  schema: string;
}

export interface ExtractSummary {
  /** Reviews in the run; always cacheHits + extracted + failed. */
  reviews: number;
  /** Reviews whose features were already in review_features (for any review with the same content). */
  cacheHits: number;
  /** Reviews given features by this run's extractor calls. */
  extracted: number;
  /** Reviews the extractor gave up on; stored as status 'failed' and extracted again on the next run. */
  failed: number;
  usage: ExtractionUsage;
}

/** Text as the cache sees it: the same words in another width, case or spacing are the same review. */
export function normaliseForHash(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The cache key: the redacted text the extractor sees, and who extracts it
 * with which model and prompt. Hashing the redacted text means no hash of
 * personal data is stored, and two reviews that differ only in a phone
 * number share one extraction (the extractor would see the same text anyway).
 * NUL separators keep ("ab", "c") and ("a", "bc") apart.
 */
export function contentHash(redactedText: string, extractor: { name: string; model: string; promptVersion?: string }): string {
  return createHash('sha256')
    .update([normaliseForHash(redactedText), extractor.name, extractor.model, promptVersionOf(extractor)].join('\u0000'))
    .digest('hex');
}

/**
 * Finished rows allowed to wait for the writer before workers pause. Fast
 * extractors (offline) get large group commits; slow ones (LLMs) never reach
 * it, so each batch is committed right after it returns.
 */
const MAX_WRITE_BACKLOG = 5_000;

/** Reviews sharing one content hash: extracted once, written for each of them. */
interface Group {
  hash: string;
  text: string;
  reviewIds: string[];
}

interface FeatureKey {
  extractor: string;
  model: string;
  promptVersion: string;
}

interface FeatureRow {
  reviewId: string;
  hash: string;
  outcome: ExtractionOutcome;
}

/** What the planning step found: reviews, how many came from the cache, and the numbered groups left to extract. */
export interface ExtractPlan {
  reviews: number;
  cacheHits: number;
  /** Groups (distinct redacted texts) left to extract, numbered 0..pendingGroups-1 in extract_pending. */
  pendingGroups: number;
  /** Reviews in those groups. */
  pendingReviews: number;
}

export interface RangeInput extends ExtractInput {
  /** Group numbers [from, to) of the run's extract_pending table. */
  from: number;
  to: number;
  /** Prompt + completion tokens this range may spend (this attempt's share of the run's budget). */
  tokenBudget?: number;
  /** Usage already spent by earlier attempts of the same range (from the activity's heartbeat). */
  priorUsage?: ExtractionUsage;
}

export interface RangeSummary {
  /** Reviews of the range given features (ok rows written for this run). */
  extracted: number;
  /** Reviews of the range stored as failed. */
  failed: number;
  /** Reviews of the range left without a row because the token budget ran out. */
  skipped: number;
  usage: ExtractionUsage;
  budgetExhausted: boolean;
}

export interface RangeProgress {
  done: number;
  total: number;
  usage: ExtractionUsage;
}

/** Reviews read, redacted and hashed at a time while planning: JS memory stays one page's worth whatever the run's size. */
const PLAN_PAGE_ROWS = 50_000;

/**
 * Step 1 of the stage: hashes the run's reviews page by page into a temp
 * table, copies cached features, and numbers what is left in
 * `<schema>.extract_pending` (ids and hashes) and `<schema>.extract_groups`
 * (one text per group), so workers can be handed ranges of group numbers
 * instead of texts. Grouping, the cache and the numbering are SQL: no JS
 * collection grows with the reviews (a million of them once ran the worker
 * out of heap here). Groups are numbered in the order of their first review
 * id. Idempotent: a retry plans again from the current cache.
 */
export async function planExtraction(
  deps: Pick<ExtractDeps, 'warehouse' | 'extractor'>,
  input: ExtractInput,
): Promise<ExtractPlan> {
  checkSchema(input.schema);
  const key = featureKey(deps.extractor);
  const none: ExtractPlan = { reviews: 0, cacheHits: 0, pendingGroups: 0, pendingReviews: 0 };
  return deps.warehouse.withSession(async (session) => {
    if (!(await tableExists(session, input.schema, 'reviews'))) return none;
    const duplicate = await session.one<{ review_id: string }>(
      `SELECT review_id FROM ${input.schema}.reviews GROUP BY review_id HAVING count(*) > 1 ORDER BY review_id LIMIT 1`,
    );
    if (duplicate) throw new Error(`duplicate review_id "${duplicate.review_id}" in ${input.schema}.reviews`);
    try {
      const total = await hashReviews(session, input.schema, deps.extractor);
      if (total === 0) return none;
      await copyCached(session, key, input.runId);
      await session.run(WRITE_PENDING_SQL(input.schema));
      await session.run(WRITE_GROUPS_SQL(input.schema));
      const pending = await session.one<{ groups: number; reviews: number }>(
        `SELECT count(DISTINCT seq)::INTEGER AS groups, count(*)::INTEGER AS reviews FROM ${input.schema}.extract_pending`,
      );
      const pendingReviews = pending?.reviews ?? 0;
      return { reviews: total, cacheHits: total - pendingReviews, pendingGroups: pending?.groups ?? 0, pendingReviews };
    } finally {
      for (const table of ['extract_src', 'extract_hashes', 'extract_cached']) {
        await session.run(`DROP TABLE IF EXISTS temp.main.${table}`);
      }
    }
  });
}

/**
 * Fills temp table extract_hashes (review_id, content_hash) with every review
 * of the run, a page at a time: redaction and hashing are JS (redactPII), the
 * rest stays in DuckDB. The reviews are first copied to a numbered temp table
 * (extract_src, kept for the group texts) so each page is a cheap range scan.
 * Returns the number of reviews.
 */
async function hashReviews(session: Session, schema: string, extractor: ReviewFeatureExtractor): Promise<number> {
  await session.run(`CREATE OR REPLACE TEMP TABLE extract_src AS SELECT row_number() OVER () AS n, review_id, text FROM ${schema}.reviews`);
  await session.run('CREATE OR REPLACE TEMP TABLE extract_hashes (review_id VARCHAR, content_hash VARCHAR)');
  let total = 0;
  for (let from = 0; ; from += PLAN_PAGE_ROWS) {
    const rows = await session.all<{ review_id: string; text: string | null }>(
      'SELECT review_id, text FROM temp.main.extract_src WHERE n > ? AND n <= ?',
      [from, from + PLAN_PAGE_ROWS],
    );
    if (rows.length === 0) return total;
    total += rows.length;
    const appender = await session.raw.createAppender('extract_hashes', 'main', 'temp');
    try {
      for (const row of rows) {
        appender.appendVarchar(row.review_id);
        appender.appendVarchar(contentHash(redactPII(row.text ?? ''), extractor));
        appender.endRow();
      }
    } finally {
      appender.closeSync(); // flushes
    }
  }
}

/** The reviews whose hash the cache does not answer, one row each, with their group's number (groups in order of first review id). */
const WRITE_PENDING_SQL = (schema: string): string => `
  CREATE OR REPLACE TABLE ${schema}.extract_pending AS
  WITH pending AS (
    SELECT h.review_id, h.content_hash FROM temp.main.extract_hashes h ANTI JOIN temp.main.extract_cached c USING (content_hash)
  ),
  numbered AS (
    SELECT content_hash, (row_number() OVER (ORDER BY min(review_id)) - 1)::INTEGER AS seq FROM pending GROUP BY content_hash
  )
  SELECT n.seq, p.review_id, p.content_hash FROM pending p JOIN numbered n USING (content_hash)
  ORDER BY n.seq, p.review_id`;

/**
 * One row per pending group with its first review's text, in group order: a
 * range reads only its own rows (the files' and row groups' seq statistics
 * prune the rest) instead of joining every review of the run, which made the
 * stage quadratic in the number of reviews.
 */
const WRITE_GROUPS_SQL = (schema: string): string => `
  CREATE OR REPLACE TABLE ${schema}.extract_groups AS
  SELECT g.seq, g.content_hash, s.text
  FROM (SELECT seq, any_value(content_hash) AS content_hash, min(review_id) AS first_id FROM ${schema}.extract_pending GROUP BY seq) g
  JOIN temp.main.extract_src s ON s.review_id = g.first_id
  ORDER BY g.seq`;

async function tableExists(session: Session, schema: string, table: string): Promise<boolean> {
  const row = await session.one<{ n: number }>(
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_catalog || '.' || table_schema = ? AND table_name = ?`,
    [schema, table],
  );
  return (row?.n ?? 0) > 0;
}

/**
 * Step 2: extracts the pending groups numbered [from, to). Groups that got an
 * ok row meanwhile (an earlier attempt of this range, or another run) are
 * copied from the cache, not sent again. Batches go to the extractor with
 * bounded concurrency and each is committed as soon as it returns. With a
 * token budget, no new batch starts once it is spent; the batches in flight
 * finish and are kept.
 */
export async function extractRange(deps: ExtractDeps, input: RangeInput): Promise<RangeSummary> {
  const { warehouse, extractor, onProgress, signal } = deps;
  checkSchema(input.schema);
  for (const name of ['batchSize', 'concurrency'] as const) {
    if (!Number.isInteger(deps[name]) || deps[name] < 1) throw new Error(`${name} must be a positive integer, got ${deps[name]}`);
  }
  const key = featureKey(extractor);
  const usage = emptyUsage();
  if (input.priorUsage) addUsage(usage, input.priorUsage);
  const spent = (): number => usage.promptTokens + usage.completionTokens;

  return warehouse.withSession(async (session) => {
    const groups = await readPendingRange(session, input.schema, extractor, input.from, input.to);
    const total = [...groups.values()].reduce((n, group) => n + group.reviewIds.length, 0);
    const summary: RangeSummary = { extracted: 0, failed: 0, skipped: 0, usage, budgetExhausted: false };
    if (total === 0) return summary;
    const cached = await applyCache(session, groups, key, input.runId);
    let done = [...cached].reduce((n, hash) => n + groups.get(hash)!.reviewIds.length, 0);
    onProgress?.({ done, total, usage });
    const batches = chunk(
      [...groups.values()].filter((group) => !cached.has(group.hash)),
      deps.batchSize,
    );

    if (batches.length > 0) {
      const writer = await FeatureWriter.open(session, key, input.runId, (rows) => {
        done += rows.length;
        onProgress?.({ done, total, usage });
      });
      try {
        let next = 0;
        let failure: { error: unknown } | undefined;
        const fail = (error: unknown): void => {
          failure ??= { error };
        };
        const writes: Promise<void>[] = [];
        const worker = async (): Promise<void> => {
          while (!failure && next < batches.length) {
            if (input.tokenBudget !== undefined && spent() >= input.tokenBudget) {
              summary.budgetExhausted = true;
              return;
            }
            const batch = batches[next++]!;
            try {
              // The extractor sees an opaque id (the group's first review id) and redacted text, nothing else.
              const inputs: ReviewInput[] = batch.map((group) => ({ id: group.reviewIds[0]!, text: group.text }));
              const result = await extractor.extractBatch(inputs, signal);
              addUsage(usage, result.usage);
              const written = writer.write(outcomeRows(batch, result.outcomes));
              writes.push(written.catch(fail));
              if (writer.backlog >= MAX_WRITE_BACKLOG) await written;
            } catch (error) {
              // Stop taking new batches, but let the ones in flight finish and
              // be written: the activity's retry then finds them cached.
              fail(error);
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(deps.concurrency, batches.length) }, worker));
        await Promise.all(writes);
        if (failure) throw failure.error;
      } finally {
        await writer.close();
      }
    }

    // Counted from what is stored, so a resumed range reports exactly what this run holds.
    const counts = await session.all<{ status: string; n: number }>(RANGE_COUNTS_SQL(input.schema), [
      input.from,
      input.to,
      input.runId,
      key.extractor,
      key.model,
      key.promptVersion,
    ]);
    for (const row of counts) {
      if (row.status === 'ok') summary.extracted = Number(row.n);
      else if (row.status === 'failed') summary.failed = Number(row.n);
    }
    summary.skipped = total - summary.extracted - summary.failed;
    return summary;
  });
}

/**
 * The whole stage in one call (plan, then one range over everything): used
 * by tests, the benchmark and small runs. The workflow does the same steps
 * as separate activities (workflows/extract-reviews.ts).
 */
export async function extractReviews(deps: ExtractDeps, input: ExtractInput): Promise<ExtractSummary> {
  checkSchema(input.schema);
  const plan = await planExtraction(deps, input);
  const summary: ExtractSummary = { reviews: plan.reviews, cacheHits: plan.cacheHits, extracted: 0, failed: 0, usage: emptyUsage() };
  if (plan.reviews === 0) return summary;
  deps.onProgress?.({ done: plan.cacheHits, total: plan.reviews });
  if (plan.pendingGroups === 0) return summary;
  const range = await extractRange(
    {
      ...deps,
      onProgress: deps.onProgress && ((p) => deps.onProgress!({ done: plan.cacheHits + p.done, total: plan.reviews })),
    },
    { ...input, from: 0, to: plan.pendingGroups },
  );
  return { ...summary, extracted: range.extracted, failed: range.failed, usage: range.usage };
}

function checkSchema(schema: string): void {
  if (!SAFE_SCHEMA.test(schema)) throw new Error(`unsafe run schema name "${schema}"`);
}

function featureKey(extractor: { name: string; model: string; promptVersion?: string }): FeatureKey {
  return { extractor: extractor.name, model: extractor.model, promptVersion: promptVersionOf(extractor) };
}

/** The pending groups numbered [from, to), with the first review's text redacted again (the same text, so the same hash). */
async function readPendingRange(
  session: Session,
  schema: string,
  extractor: ReviewFeatureExtractor,
  from: number,
  to: number,
): Promise<Map<string, Group>> {
  // Plans made before extract_groups existed (a range retried across an upgrade) join the reviews.
  const texts = (await tableExists(session, schema, 'extract_groups'))
    ? `${schema}.extract_groups g ON g.seq = p.seq AND g.seq >= $1 AND g.seq < $2`
    : `${schema}.reviews g ON g.review_id = p.review_id`;
  const rows = await session.all<{ review_id: string; content_hash: string; text: string | null }>(
    `SELECT p.review_id, p.content_hash, g.text
     FROM ${schema}.extract_pending p JOIN ${texts}
     WHERE p.seq >= $1 AND p.seq < $2 ORDER BY p.seq, p.review_id`,
    [from, to],
  );
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const group = groups.get(row.content_hash);
    if (group) {
      group.reviewIds.push(row.review_id);
      continue;
    }
    const text = redactPII(row.text ?? '');
    if (contentHash(text, extractor) !== row.content_hash) {
      throw new Error(`review ${row.review_id} changed since extraction was planned: plan again`);
    }
    groups.set(row.content_hash, { hash: row.content_hash, text, reviewIds: [row.review_id] });
  }
  return groups;
}

/** Status counts of this run's rows for the reviews of one range. */
const RANGE_COUNTS_SQL = (schema: string): string => `
  SELECT f.status, count(*) AS n
  FROM ${schema}.extract_pending p JOIN review_features f USING (review_id)
  WHERE p.seq >= $1 AND p.seq < $2 AND f.run_id = $3
    AND f.extractor = $4 AND f.model = $5 AND f.prompt_version = $6
  GROUP BY f.status`;

/** review_features' columns, in the order the INSERTs below list them. */
const COLUMNS = `review_id, content_hash, extractor, model, prompt_version, status, error,
  sentiment_label, sentiment_score, purchase_intent, intent_cue, topics, keywords,
  price_sensitive, quality_complaint, service_complaint, language, run_id, extracted_at`;

/** One ok row per cached hash (the newest), for this extractor, model and prompt. */
const CACHE_SOURCE = `
  SELECT * FROM review_features
  WHERE status = 'ok' AND extractor = $2 AND model = $3 AND prompt_version = $4
    AND content_hash IN (SELECT content_hash FROM extract_hashes)
  QUALIFY row_number() OVER (PARTITION BY content_hash ORDER BY extracted_at DESC, review_id) = 1`;

/** Copies cached features to this run's reviews, unless a review already has that very row. */
const COPY_CACHED_SQL = `
  INSERT INTO review_features (${COLUMNS})
  SELECT h.review_id, f.content_hash, f.extractor, f.model, f.prompt_version, f.status, f.error,
         f.sentiment_label, f.sentiment_score, f.purchase_intent, f.intent_cue, f.topics, f.keywords,
         f.price_sensitive, f.quality_complaint, f.service_complaint, f.language,
         $1 AS run_id, f.extracted_at
  FROM extract_hashes h JOIN (${CACHE_SOURCE}) f USING (content_hash)
  WHERE NOT EXISTS (
    SELECT 1 FROM review_features r
    WHERE r.review_id = h.review_id AND r.extractor = f.extractor AND r.model = f.model
      AND r.prompt_version = f.prompt_version AND r.status = 'ok' AND r.content_hash = h.content_hash)`;

const CACHED_HASHES_SQL = `
  SELECT DISTINCT content_hash FROM review_features
  WHERE status = 'ok' AND extractor = ? AND model = ? AND prompt_version = ?
    AND content_hash IN (SELECT content_hash FROM extract_hashes)`;

/**
 * With temp table extract_hashes filled: copies cached features to this
 * run's reviews that lack them, and leaves the hashes that have an ok row
 * (for any review) in temp table extract_cached. Failed rows are no cache:
 * their reviews are extracted again.
 */
async function copyCached(session: Session, key: FeatureKey, runId: string): Promise<void> {
  const params = [key.extractor, key.model, key.promptVersion];
  await session.run(COPY_CACHED_SQL, [runId, ...params]);
  await session.run(`CREATE OR REPLACE TEMP TABLE extract_cached AS ${CACHED_HASHES_SQL}`, params);
}

/** copyCached for a range's groups (a few hundred): returns the cached hashes. */
async function applyCache(session: Session, groups: Map<string, Group>, key: FeatureKey, runId: string): Promise<Set<string>> {
  await session.run('CREATE OR REPLACE TEMP TABLE extract_hashes (review_id VARCHAR, content_hash VARCHAR)');
  try {
    const appender = await session.raw.createAppender('extract_hashes', 'main', 'temp');
    try {
      for (const group of groups.values()) {
        for (const reviewId of group.reviewIds) {
          appender.appendVarchar(reviewId);
          appender.appendVarchar(group.hash);
          appender.endRow();
        }
      }
    } finally {
      appender.closeSync(); // flushes
    }
    await copyCached(session, key, runId);
    const rows = await session.all<{ content_hash: string }>('SELECT content_hash FROM temp.main.extract_cached');
    return new Set(rows.map((row) => row.content_hash));
  } finally {
    await session.run('DROP TABLE IF EXISTS temp.main.extract_hashes');
    await session.run('DROP TABLE IF EXISTS temp.main.extract_cached');
  }
}

/** Every review of the batch gets a row, even one the extractor forgot to answer. */
function outcomeRows(batch: Group[], outcomes: ExtractionOutcome[]): FeatureRow[] {
  const found = new Map<string, ExtractionOutcome>();
  for (const outcome of outcomes) if (!found.has(outcome.id)) found.set(outcome.id, outcome);
  const rows: FeatureRow[] = [];
  for (const group of batch) {
    const id = group.reviewIds[0]!;
    const outcome = found.get(id) ?? { id, ok: false, error: 'extractor returned no outcome for this review' };
    for (const reviewId of group.reviewIds) rows.push({ reviewId, hash: group.hash, outcome });
  }
  return rows;
}

const STAGE_DDL = `CREATE OR REPLACE TEMP TABLE extract_stage (
  review_id VARCHAR, content_hash VARCHAR, status VARCHAR, error VARCHAR,
  sentiment_label VARCHAR, sentiment_score DOUBLE, purchase_intent VARCHAR, intent_cue VARCHAR,
  topics VARCHAR, keywords VARCHAR,   -- JSON text, cast to VARCHAR[] on the way in
  price_sensitive BOOLEAN, quality_complaint BOOLEAN, service_complaint BOOLEAN, language VARCHAR)`;

/** The lake has no keys: a row that replaces an earlier one for the same key deletes it first, in the same transaction. */
const REPLACE_STAGED_SQL = `
  DELETE FROM review_features
  WHERE extractor = $1 AND model = $2 AND prompt_version = $3
    AND review_id IN (SELECT review_id FROM temp.main.extract_stage)`;

const MERGE_STAGE_SQL = `
  INSERT INTO review_features (${COLUMNS})
  SELECT review_id, content_hash, $1, $2, $3, status, error,
         sentiment_label, sentiment_score, purchase_intent, intent_cue,
         CAST(topics::JSON AS VARCHAR[]), CAST(keywords::JSON AS VARCHAR[]),
         price_sensitive, quality_complaint, service_complaint, language, $4, now()
  FROM extract_stage`;

/**
 * Writes outcome rows through an appender into a connection-local staging
 * table, then replaces those reviews' rows in one transaction. Writes take turns on the one connection; rows that finish
 * while a write runs go out together in the next one (group commit), which
 * makes fast extractors cheap to store without delaying slow ones.
 */
class FeatureWriter {
  private queued: FeatureRow[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private running: Promise<void> | undefined;

  private constructor(
    private readonly session: Session,
    private readonly key: FeatureKey,
    private readonly runId: string,
    private readonly onWritten: (rows: FeatureRow[]) => void,
  ) {}

  static async open(
    session: Session,
    key: FeatureKey,
    runId: string,
    onWritten: (rows: FeatureRow[]) => void,
  ): Promise<FeatureWriter> {
    await session.run(STAGE_DDL);
    return new FeatureWriter(session, key, runId, onWritten);
  }

  /** Rows waiting for a write to start. */
  get backlog(): number {
    return this.queued.length;
  }

  /** Resolves once these rows are committed. */
  write(rows: FeatureRow[]): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.queued.push(...rows);
    this.startNext();
    return done;
  }

  async close(): Promise<void> {
    while (this.running) await this.running;
    await this.session.run('DROP TABLE IF EXISTS temp.main.extract_stage');
  }

  private startNext(): void {
    if (this.running || this.queued.length === 0) return;
    const rows = this.queued;
    const waiters = this.waiters;
    this.queued = [];
    this.waiters = [];
    // Every waiter is settled whatever happens (a throwing onWritten included),
    // and the chain itself never rejects.
    this.running = this.commit(rows)
      .then(() => this.onWritten(rows))
      .then(
        () => waiters.forEach((waiter) => waiter.resolve()),
        (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => {
        this.running = undefined;
        this.startNext();
      });
  }

  private async commit(rows: FeatureRow[]): Promise<void> {
    try {
      const appender = await this.session.raw.createAppender('extract_stage', 'main', 'temp');
      try {
        for (const row of rows) appendRow(appender, row);
      } finally {
        appender.closeSync(); // flushes
      }
      // One transaction: all of these rows or none (redone whole if another writer's commit got in first).
      const key = [this.key.extractor, this.key.model, this.key.promptVersion];
      await this.session.transaction(async (tx) => {
        await tx.run(REPLACE_STAGED_SQL, key);
        await tx.run(MERGE_STAGE_SQL, [...key, this.runId]);
      });
    } finally {
      await this.session.run('DELETE FROM extract_stage');
    }
  }
}

/** sentiment_label ... language in STAGE_DDL. */
const FEATURE_COLUMNS = 10;

/** One staging row, in STAGE_DDL's column order. */
function appendRow(appender: DuckDBAppender, { reviewId, hash, outcome }: FeatureRow): void {
  appender.appendVarchar(reviewId);
  appender.appendVarchar(hash);
  appender.appendVarchar(outcome.ok ? 'ok' : 'failed');
  if (outcome.ok) {
    const f = outcome.features;
    appender.appendNull();
    appender.appendVarchar(f.sentiment_label);
    appender.appendDouble(f.sentiment_score);
    appender.appendVarchar(f.purchase_intent);
    if (f.intent_cue === null) appender.appendNull();
    else appender.appendVarchar(f.intent_cue);
    appender.appendVarchar(JSON.stringify(f.topics));
    appender.appendVarchar(JSON.stringify(f.keywords));
    appender.appendBoolean(f.price_sensitive);
    appender.appendBoolean(f.quality_complaint);
    appender.appendBoolean(f.service_complaint);
    appender.appendVarchar(f.language);
  } else {
    appender.appendVarchar(outcome.error);
    for (let i = 0; i < FEATURE_COLUMNS; i++) appender.appendNull(); // no features
  }
  appender.endRow();
}

function addUsage(total: ExtractionUsage, usage: ExtractionUsage): void {
  total.requests += usage.requests;
  total.promptTokens += usage.promptTokens;
  total.completionTokens += usage.completionTokens;
  total.cachedPromptTokens += usage.cachedPromptTokens;
  for (const key of CASCADE_USAGE_KEYS) {
    if (usage[key] !== undefined) total[key] = (total[key] ?? 0) + usage[key];
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The pending groups numbered [from, to) chunked into batches, without the
 * cache filter, so the same call gives the same batches later (the Batch API
 * joins its results back by batch number).
 */
export async function rangeBatches(
  deps: Pick<ExtractDeps, 'warehouse' | 'extractor' | 'batchSize'>,
  input: RangeInput,
): Promise<ReviewInput[][]> {
  checkSchema(input.schema);
  return deps.warehouse.withSession(async (session) => {
    const groups = await readPendingRange(session, input.schema, deps.extractor, input.from, input.to);
    return chunk([...groups.values()], deps.batchSize).map((batch) =>
      batch.map((group) => ({ id: group.reviewIds[0]!, text: group.text })),
    );
  });
}

/**
 * Stores the ok outcomes (by first review id) for the groups of [from, to);
 * everything else is left without a row for the normal path to retry.
 * Returns the reviews stored.
 */
export async function storeOutcomes(
  deps: Pick<ExtractDeps, 'warehouse' | 'extractor'>,
  input: RangeInput,
  outcomes: ExtractionOutcome[],
): Promise<number> {
  checkSchema(input.schema);
  const ok = new Map(outcomes.filter((o) => o.ok).map((o) => [o.id, o]));
  if (ok.size === 0) return 0;
  return deps.warehouse.withSession(async (session) => {
    const groups = await readPendingRange(session, input.schema, deps.extractor, input.from, input.to);
    const answered = [...groups.values()].filter((group) => ok.has(group.reviewIds[0]!));
    const writer = await FeatureWriter.open(session, featureKey(deps.extractor), input.runId, () => {});
    try {
      const rows = outcomeRows(answered, [...ok.values()]);
      await writer.write(rows);
      return rows.length;
    } finally {
      await writer.close();
    }
  });
}
