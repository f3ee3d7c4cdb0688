import type { DuckDBAppender } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import type { Session, Warehouse } from '../warehouse/warehouse.ts';
import { redactPII } from './redact.ts';
import {
  PROMPT_VERSION,
  emptyUsage,
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
  onProgress?: (progress: { done: number; total: number }) => void;
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
export function contentHash(redactedText: string, extractor: { name: string; model: string }): string {
  return createHash('sha256')
    .update([normaliseForHash(redactedText), extractor.name, extractor.model, PROMPT_VERSION].join('\u0000'))
    .digest('hex');
}

const SAFE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
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

/**
 * The extraction stage: one run's reviews in, review_features rows out.
 * Cached content is copied; the rest is redacted, batched and sent to the
 * extractor with bounded concurrency, and each batch's rows are committed as
 * soon as the writer is free, so a crashed or retried activity resumes with
 * the finished work cached.
 */
export async function extractReviews(deps: ExtractDeps, input: ExtractInput): Promise<ExtractSummary> {
  const { warehouse, extractor, onProgress, signal } = deps;
  if (!SAFE_IDENTIFIER.test(input.schema)) throw new Error(`unsafe run schema name "${input.schema}"`);
  for (const name of ['batchSize', 'concurrency'] as const) {
    if (!Number.isInteger(deps[name]) || deps[name] < 1) throw new Error(`${name} must be a positive integer, got ${deps[name]}`);
  }
  const key: FeatureKey = { extractor: extractor.name, model: extractor.model, promptVersion: PROMPT_VERSION };

  return warehouse.withSession(async (session) => {
    const groups = await readReviewGroups(session, input.schema, extractor);
    const total = [...groups.values()].reduce((n, group) => n + group.reviewIds.length, 0);
    const summary: ExtractSummary = { reviews: total, cacheHits: 0, extracted: 0, failed: 0, usage: emptyUsage() };
    if (total === 0) return summary;

    const cached = await applyCache(session, groups, key, input.runId);
    for (const hash of cached) summary.cacheHits += groups.get(hash)!.reviewIds.length;
    onProgress?.({ done: summary.cacheHits, total });

    const pending = [...groups.values()].filter((group) => !cached.has(group.hash));
    const batches = chunk(pending, deps.batchSize);
    if (batches.length === 0) return summary;

    const writer = await FeatureWriter.open(session, key, input.runId, (rows) => {
      for (const row of rows) {
        if (row.outcome.ok) summary.extracted += 1;
        else summary.failed += 1;
      }
      onProgress?.({ done: summary.cacheHits + summary.extracted + summary.failed, total });
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
          const batch = batches[next++]!;
          try {
            // The extractor sees an opaque id (the group's first review id) and redacted text, nothing else.
            const inputs: ReviewInput[] = batch.map((group) => ({ id: group.reviewIds[0]!, text: group.text }));
            const result = await extractor.extractBatch(inputs, signal);
            addUsage(summary.usage, result.usage);
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
      return summary;
    } finally {
      await writer.close();
    }
  });
}

async function readReviewGroups(
  session: Session,
  schema: string,
  extractor: ReviewFeatureExtractor,
): Promise<Map<string, Group>> {
  const groups = new Map<string, Group>();
  // The reviews table is optional in the data contract.
  const exists = await session.one<{ n: number }>(
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = 'reviews'`,
    [schema],
  );
  if (!exists || exists.n === 0) return groups;

  const rows = await session.all<{ review_id: string; text: string | null }>(
    `SELECT review_id, text FROM ${schema}.reviews ORDER BY review_id`,
  );
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.review_id)) throw new Error(`duplicate review_id "${row.review_id}" in ${schema}.reviews`);
    seen.add(row.review_id);
    const text = redactPII(row.text ?? '');
    const hash = contentHash(text, extractor);
    const group = groups.get(hash);
    if (group) group.reviewIds.push(row.review_id);
    else groups.set(hash, { hash, text, reviewIds: [row.review_id] });
  }
  return groups;
}

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
  INSERT OR REPLACE INTO review_features (${COLUMNS})
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
 * Finds which content hashes already have an ok row (for any review) and
 * copies those features to this run's reviews that lack them. Returns the
 * cached hashes. Failed rows are no cache: their reviews are extracted again.
 */
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
    const params = [key.extractor, key.model, key.promptVersion];
    await session.run(COPY_CACHED_SQL, [runId, ...params]);
    const rows = await session.all<{ content_hash: string }>(CACHED_HASHES_SQL, params);
    return new Set(rows.map((row) => row.content_hash));
  } finally {
    await session.run('DROP TABLE IF EXISTS temp.main.extract_hashes');
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

const MERGE_STAGE_SQL = `
  INSERT OR REPLACE INTO review_features (${COLUMNS})
  SELECT review_id, content_hash, $1, $2, $3, status, error,
         sentiment_label, sentiment_score, purchase_intent, intent_cue,
         CAST(topics::JSON AS VARCHAR[]), CAST(keywords::JSON AS VARCHAR[]),
         price_sensitive, quality_complaint, service_complaint, language, $4, now()
  FROM extract_stage`;

/**
 * Writes outcome rows through an appender into a connection-local staging
 * table, then merges them with one INSERT OR REPLACE (keyed by the table's
 * primary key). Writes take turns on the one connection; rows that finish
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
      // One statement, so atomic: all of these rows or none.
      await this.session.run(MERGE_STAGE_SQL, [this.key.extractor, this.key.model, this.key.promptVersion, this.runId]);
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
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
