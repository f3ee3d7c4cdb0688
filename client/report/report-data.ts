import type { Session } from '../../activities/warehouse/warehouse.ts';
import { parseModelArtifact } from '../../activities/model/model-artifact.ts';
import { applyScaler, toMatrix } from '../../activities/model/scaler.ts';
import type { FeatureRow } from '../../activities/model/feature-row.ts';
import { driftReport, type DriftReport } from '../drift-report.ts';
import { UsageError } from '../usage-error.ts';
import { project2d } from './projection.ts';

/**
 * Everything the profile report shows about one published version, read with
 * plain SQL from the readers' tables (profiles, segments, profile_versions,
 * runs, rejected_rows, model_versions) so it works on any store that has
 * them. Only small aggregates and a sample leave this file.
 */

/** Customers drawn for the map: enough to show each segment's shape, small enough for a light page. */
export const PROJECTION_SAMPLE = 1000;

export interface SegmentInfo {
  id: number;
  /** The persona name, made unique within the version (a repeated name gets its id). */
  label: string;
  name: string;
  description: string;
  size: number;
  share: number;
  actions: string[];
  /** Main categories of the segment's customers, most common first, with their share of the segment. */
  categories: Array<{ category: string; share: number }>;
}

export interface VersionInfo {
  version: number;
  runId: string;
  workflowId: string;
  asOf: Date;
  publishedAt: Date;
  modelVersion: string;
  customers: number;
  silhouette: number | null;
  heldOutMacroF1: number | null;
  ariVsPrevious: number | null;
}

export interface ProjectionData {
  points: Array<{ x: number; y: number; segment: string }>;
  explained: [number, number];
  total: number;
}

export interface HeatCell {
  segment: string;
  feature: string;
  /** Mean of the model's scaled feature: standard deviations from the average customer. */
  scaled: number;
  /** Mean of the raw feature over customers who have a value; null when none has. */
  raw: number | null;
}

export interface ReviewRow {
  segment: string;
  customers: number;
  reviewers: number;
  sentiment: number | null;
  negativeShare: number | null;
  highIntentShare: number | null;
}

export interface TopicCell {
  segment: string;
  topic: string;
  /** Share of the segment's reviewers with the topic among their top topics. */
  share: number;
}

export interface TierCell {
  segment: string;
  measure: 'value tier' | 'churn risk';
  level: string;
  customers: number;
}

/** From MBG/NBD + Gamma-Gamma, when the profiles have p_alive and predicted_clv. */
export interface LifetimeValue {
  pAlive: Array<{ segment: string; bin: number; customers: number }>;
  clv: Array<{ segment: string; p10: number; p25: number; median: number; p75: number; p90: number; total: number; meanPAlive: number }>;
}

export interface Drift {
  previous: number;
  report: DriftReport;
  /** Segment id to label in the previous and in this version. */
  before: Map<number, string>;
  after: Map<number, string>;
}

export interface Quality {
  tables: Array<{ table: string; loaded: number; rejected: number }>;
  reasons: Array<{ table: string; reason: string; rows: number }>;
  reviewsFailed: number;
}

export interface RunInfo {
  status: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  stages: Array<{ stage: string; seconds: number; reused: boolean }>;
  llm: {
    extractor: string;
    model: string;
    reviews: number;
    extracted: number;
    cacheHits: number;
    failed: number;
    requests: number;
    promptTokens: number;
    completionTokens: number;
    costUsd: number | null;
  } | null;
}

export interface ReportData {
  version: VersionInfo;
  segments: SegmentInfo[];
  projection: ProjectionData | { unavailable: string };
  heat: HeatCell[];
  features: string[];
  reviews: ReviewRow[];
  topics: TopicCell[];
  tiers: TierCell[];
  lifetime: LifetimeValue | null;
  drift: Drift | { unavailable: string };
  quality: Quality;
  run: RunInfo;
}

export async function loadReportData(s: Session, version: number): Promise<ReportData> {
  const info = await versionInfo(s, version);
  const segments = await segmentInfo(s, info);
  const label = labeller(segments);
  const columns = new Set((await s.all<{ column_name: string }>('DESCRIBE SELECT * FROM profiles')).map((r) => r.column_name));
  const model = await modelViews(s, info, label, columns);
  return {
    version: info,
    segments,
    ...model,
    ...(await reviewViews(s, version, label)),
    tiers: await tiers(s, version, label),
    lifetime: columns.has('p_alive') && columns.has('predicted_clv') ? await lifetimeValue(s, version, label) : null,
    drift: await drift(s, version),
    quality: await quality(s, info.runId),
    run: await runInfo(s, info.runId),
  };
}

/** The newest published version, for `personaflow report` without --version. */
export async function newestVersion(s: Session): Promise<number> {
  const row = await s.one<{ v: number | null }>('SELECT max(version) AS v FROM profile_versions');
  if (row?.v == null) throw new UsageError('no version is published yet: run `npm run demo` or `npx personaflow run --source <folder>` first');
  return row.v;
}

async function versionInfo(s: Session, version: number): Promise<VersionInfo> {
  const row = await s.one<{
    run_id: string;
    workflow_id: string;
    as_of: Date;
    published_at: Date;
    model_version: string;
    customers: number;
    metrics: string;
    kept: number;
  }>(
    `SELECT run_id, workflow_id, as_of, published_at, model_version, customers, metrics::VARCHAR AS metrics,
            (SELECT count(*) FROM profiles p WHERE p.version = v.version) AS kept
     FROM profile_versions v WHERE version = $1`,
    [version],
  );
  if (!row) throw new UsageError(`profile version ${version} is not published (see: personaflow version list)`);
  if (row.kept === 0) throw new UsageError(`the profiles of version ${version} were removed by retention (pin versions to keep them: personaflow version pin <n>)`);
  const metrics = JSON.parse(row.metrics) as Record<string, unknown>;
  const num = (k: string) => (typeof metrics[k] === 'number' ? (metrics[k] as number) : null);
  return {
    version,
    runId: row.run_id,
    workflowId: row.workflow_id,
    asOf: row.as_of,
    publishedAt: row.published_at,
    modelVersion: row.model_version,
    customers: row.customers,
    silhouette: num('silhouette'),
    heldOutMacroF1: num('heldOutMacroF1'),
    ariVsPrevious: num('ariVsPrevious'),
  };
}

async function segmentInfo(s: Session, info: VersionInfo): Promise<SegmentInfo[]> {
  const rows = await s.all<{ segment_id: number; name: string; description: string; size: number; suggested_actions: string[] }>(
    'SELECT segment_id, name, description, size, suggested_actions FROM segments WHERE version = $1 ORDER BY segment_id',
    [info.version],
  );
  const cats = await s.all<{ segment_id: number; category: string; customers: number }>(
    `SELECT segment_id, top_categories[1] AS category, count(*) AS customers
     FROM profiles WHERE version = $1 AND len(top_categories) > 0
     GROUP BY ALL ORDER BY segment_id, customers DESC, category`,
    [info.version],
  );
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r.name, (seen.get(r.name) ?? 0) + 1);
  return rows.map((r) => ({
    id: r.segment_id,
    label: seen.get(r.name)! > 1 ? `${r.name} (${r.segment_id})` : r.name,
    name: r.name,
    description: r.description,
    size: r.size,
    share: info.customers > 0 ? r.size / info.customers : 0,
    actions: r.suggested_actions ?? [],
    categories: cats
      .filter((c) => c.segment_id === r.segment_id)
      .slice(0, 3)
      .map((c) => ({ category: c.category, share: r.size > 0 ? c.customers / r.size : 0 })),
  }));
}

function labeller(segments: SegmentInfo[]): (id: number) => string {
  const byId = new Map(segments.map((x) => [x.id, x.label]));
  return (id) => byId.get(id) ?? `segment ${id}`;
}

/**
 * The customer map and the heat map, both in the model's own scaled space:
 * the stored fills and scaler turn each profile's features into exactly the
 * vector k-means assigned. Every customer counts in the heat map; the map
 * shows a fixed sample (by hash of the id, so the same customers each time).
 */
async function modelViews(
  s: Session,
  info: VersionInfo,
  label: (id: number) => string,
  columns: Set<string>,
): Promise<Pick<ReportData, 'projection' | 'heat' | 'features'>> {
  const stored = await s.one<{ artifact: string }>('SELECT artifact::VARCHAR AS artifact FROM model_versions WHERE model_version = $1', [
    info.modelVersion,
  ]);
  if (!stored) return { projection: { unavailable: `model ${info.modelVersion} is not in model_versions` }, heat: [], features: [] };
  let artifact;
  try {
    artifact = parseModelArtifact(stored.artifact);
  } catch (error) {
    return { projection: { unavailable: `model ${info.modelVersion}: ${(error as Error).message}` }, heat: [], features: [] };
  }
  const names = artifact.features.map((f) => f.name as string);
  const missing = names.filter((n) => !columns.has(n));
  if (missing.length > 0) {
    return { projection: { unavailable: `the profiles lack the model's features ${missing.join(', ')}` }, heat: [], features: [] };
  }
  const select = names.map((n) => `"${n.replaceAll('"', '""')}"`).join(', ');
  const rows = (await s.all(
    `SELECT customer_id, segment_id, ${select} FROM profiles WHERE version = $1 ORDER BY md5(customer_id)`,
    [info.version],
  )) as unknown as Array<FeatureRow & { segment_id: number }>;
  const scaled = applyScaler(toMatrix(rows, artifact.features, artifact.fills), artifact.scaler);

  const bySegment = new Map<number, { n: number; scaled: number[]; raw: number[]; rawN: number[] }>();
  rows.forEach((row, i) => {
    let acc = bySegment.get(row.segment_id);
    if (!acc) {
      acc = { n: 0, scaled: names.map(() => 0), raw: names.map(() => 0), rawN: names.map(() => 0) };
      bySegment.set(row.segment_id, acc);
    }
    acc.n++;
    names.forEach((name, j) => {
      acc.scaled[j]! += scaled[i]![j]!;
      const raw = (row as unknown as Record<string, unknown>)[name];
      if (typeof raw === 'number' && Number.isFinite(raw)) {
        acc.raw[j]! += raw;
        acc.rawN[j]!++;
      }
    });
  });
  const heat: HeatCell[] = [];
  for (const [id, acc] of [...bySegment].sort((a, b) => a[0] - b[0])) {
    names.forEach((feature, j) => {
      heat.push({ segment: label(id), feature, scaled: acc.scaled[j]! / acc.n, raw: acc.rawN[j]! > 0 ? acc.raw[j]! / acc.rawN[j]! : null });
    });
  }

  const n = Math.min(rows.length, PROJECTION_SAMPLE);
  if (n < 3) return { projection: { unavailable: `only ${rows.length} customers: too few for a map` }, heat, features: names };
  const { points, explained } = project2d(scaled.slice(0, n));
  return {
    projection: {
      points: points.map(([x, y], i) => ({ x, y, segment: label(rows[i]!.segment_id) })),
      explained,
      total: rows.length,
    },
    heat,
    features: names,
  };
}

async function reviewViews(s: Session, version: number, label: (id: number) => string): Promise<Pick<ReportData, 'reviews' | 'topics'>> {
  const rows = await s.all<{
    segment_id: number;
    customers: number;
    reviewers: number;
    sentiment: number | null;
    negative_share: number | null;
    high_intent_share: number | null;
  }>(
    `SELECT segment_id, count(*) AS customers, count(mean_sentiment) AS reviewers,
            avg(mean_sentiment) AS sentiment, avg(negative_review_share) AS negative_share,
            avg(high_intent_share) AS high_intent_share
     FROM profiles WHERE version = $1 GROUP BY segment_id ORDER BY segment_id`,
    [version],
  );
  const topics = await s.all<{ segment_id: number; topic: string; customers: number }>(
    `SELECT segment_id, topic, count(*) AS customers
     FROM (SELECT segment_id, unnest(top_topics) AS topic FROM profiles WHERE version = $1)
     GROUP BY ALL ORDER BY segment_id, topic`,
    [version],
  );
  const reviewers = new Map(rows.map((r) => [r.segment_id, r.reviewers]));
  return {
    reviews: rows.map((r) => ({
      segment: label(r.segment_id),
      customers: r.customers,
      reviewers: r.reviewers,
      sentiment: r.sentiment,
      negativeShare: r.negative_share,
      highIntentShare: r.high_intent_share,
    })),
    topics: topics
      .filter((t) => (reviewers.get(t.segment_id) ?? 0) > 0)
      .map((t) => ({ segment: label(t.segment_id), topic: t.topic.replaceAll('_', ' '), share: t.customers / reviewers.get(t.segment_id)! })),
  };
}

async function tiers(s: Session, version: number, label: (id: number) => string): Promise<TierCell[]> {
  const rows = await s.all<{ segment_id: number; measure: string; level: string; customers: number }>(
    `SELECT segment_id, 'value tier' AS measure, value_tier AS level, count(*) AS customers FROM profiles WHERE version = $1 GROUP BY ALL
     UNION ALL
     SELECT segment_id, 'churn risk', churn_risk, count(*) FROM profiles WHERE version = $1 GROUP BY ALL
     ORDER BY 1, 2, 3`,
    [version],
  );
  return rows.map((r) => ({ segment: label(r.segment_id), measure: r.measure as TierCell['measure'], level: r.level, customers: r.customers }));
}

async function lifetimeValue(s: Session, version: number, label: (id: number) => string): Promise<LifetimeValue> {
  const pAlive = await s.all<{ segment_id: number; bin: number; customers: number }>(
    `SELECT segment_id, least(floor(p_alive * 10), 9) / 10 AS bin, count(*) AS customers
     FROM profiles WHERE version = $1 AND p_alive IS NOT NULL GROUP BY ALL ORDER BY 1, 2`,
    [version],
  );
  const clv = await s.all<{ segment_id: number; q: number[]; total: number; mean_p_alive: number }>(
    `SELECT segment_id, quantile_cont(predicted_clv, [0.1, 0.25, 0.5, 0.75, 0.9]) AS q,
            sum(predicted_clv) AS total, avg(p_alive) AS mean_p_alive
     FROM profiles WHERE version = $1 AND predicted_clv IS NOT NULL GROUP BY 1 ORDER BY 1`,
    [version],
  );
  return {
    pAlive: pAlive.map((r) => ({ segment: label(r.segment_id), bin: r.bin, customers: r.customers })),
    clv: clv.map((r) => ({
      segment: label(r.segment_id),
      p10: r.q[0]!,
      p25: r.q[1]!,
      median: r.q[2]!,
      p75: r.q[3]!,
      p90: r.q[4]!,
      total: r.total,
      meanPAlive: r.mean_p_alive,
    })),
  };
}

async function drift(s: Session, version: number): Promise<Drift | { unavailable: string }> {
  const prev = await s.one<{ v: number | null; kept: number }>(
    `SELECT max(version) AS v, (SELECT count(*) FROM profiles WHERE version = (SELECT max(version) FROM profile_versions WHERE version < $1)) AS kept
     FROM profile_versions WHERE version < $1`,
    [version],
  );
  if (prev?.v == null) return { unavailable: 'This is the first published version: there is nothing earlier to compare with.' };
  if (prev.kept === 0) return { unavailable: `The profiles of version ${prev.v} were removed by retention, so customer moves cannot be shown.` };
  const report = await driftReport(s, prev.v, version);
  const names = await s.all<{ version: number; segment_id: number; name: string }>(
    'SELECT version, segment_id, name FROM segments WHERE version IN ($1, $2)',
    [prev.v, version],
  );
  const side = (v: number) => new Map(names.filter((r) => r.version === v).map((r) => [r.segment_id, r.name]));
  return { previous: prev.v, report, before: side(prev.v), after: side(version) };
}

async function quality(s: Session, runId: string): Promise<Quality> {
  const run = await s.one<{ row_counts: string | null; rejected_counts: string | null; llm: string | null }>(
    'SELECT row_counts::VARCHAR AS row_counts, rejected_counts::VARCHAR AS rejected_counts, llm::VARCHAR AS llm FROM runs WHERE run_id = $1',
    [runId],
  );
  const loaded = parseCounts(run?.row_counts);
  const rejected = parseCounts(run?.rejected_counts);
  const tables = [...new Set([...Object.keys(loaded), ...Object.keys(rejected)])].map((table) => ({
    table,
    loaded: loaded[table] ?? 0,
    rejected: rejected[table] ?? 0,
  }));
  // Reasons name the bad value ("unit_price "-9.99" must be ..."): group by the rule, not the value.
  const reasons = await s.all<{ table_name: string; reason: string; rows: number }>(
    `SELECT table_name, trim(regexp_replace(regexp_replace(reason, '\\s*"[^"]*"', '', 'g'), '\\(first at row [0-9]+\\)', '', 'g')) AS reason,
            count(*) AS rows
     FROM rejected_rows WHERE run_id = $1 GROUP BY ALL ORDER BY rows DESC, table_name, reason`,
    [runId],
  );
  const llm = run?.llm ? (JSON.parse(run.llm) as { failed?: number }) : {};
  return {
    tables,
    reasons: reasons.map((r) => ({ table: r.table_name, reason: r.reason, rows: r.rows })),
    reviewsFailed: llm.failed ?? 0,
  };
}

function parseCounts(json: string | null | undefined): Record<string, number> {
  if (!json) return {};
  const parsed = JSON.parse(json) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

async function runInfo(s: Session, runId: string): Promise<RunInfo> {
  const run = await s.one<{ status: string; started_at: Date | null; finished_at: Date | null; llm: string | null }>(
    'SELECT status, started_at, finished_at, llm::VARCHAR AS llm FROM runs WHERE run_id = $1',
    [runId],
  );
  const llm = run?.llm ? (JSON.parse(run.llm) as Record<string, unknown>) : null;
  const n = (k: string) => (llm && typeof llm[k] === 'number' ? (llm[k] as number) : 0);
  return {
    status: run?.status ?? 'unknown',
    startedAt: run?.started_at ?? null,
    finishedAt: run?.finished_at ?? null,
    stages: await stageTimes(s, runId, run?.started_at ?? null, run?.finished_at ?? null),
    llm: llm && {
      extractor: String(llm.extractor ?? ''),
      model: String(llm.model ?? ''),
      reviews: n('reviews'),
      extracted: n('extracted'),
      cacheHits: n('cacheHits'),
      failed: n('failed'),
      requests: n('requests'),
      promptTokens: n('promptTokens'),
      completionTokens: n('completionTokens'),
      costUsd: typeof llm.costUsd === 'number' ? llm.costUsd : null,
    },
  };
}

/**
 * Seconds per stage from run_stages (when the store has it): each stage ends
 * at its finished_at and starts where the one before ended. The readers' copy
 * is taken during publication, so the publish row may be missing there; the
 * run's finished_at then marks publication's end.
 */
async function stageTimes(s: Session, runId: string, started: Date | null, finished: Date | null): Promise<RunInfo['stages']> {
  let rows: Array<{ stage: string; status: string; finished_at: Date }>;
  try {
    rows = await s.all('SELECT stage, status, finished_at FROM run_stages WHERE run_id = $1 ORDER BY finished_at', [runId]);
  } catch (error) {
    if (/run_stages does not exist/i.test((error as Error).message)) return [];
    throw error;
  }
  if (started === null) return [];
  const stages: RunInfo['stages'] = [];
  let from = started.getTime();
  for (const r of rows) {
    const to = r.finished_at.getTime();
    stages.push({ stage: r.stage, seconds: Math.max(0, (to - from) / 1000), reused: r.status === 'reused' });
    from = to;
  }
  if (finished && !rows.some((r) => r.stage === 'publish') && finished.getTime() > from) {
    stages.push({ stage: 'publish', seconds: (finished.getTime() - from) / 1000, reused: false });
  }
  return stages;
}
