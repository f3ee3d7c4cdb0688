import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps.ts';
import { holdInStage } from './test-hooks.ts';
import { stepTimer } from './step-timer.ts';
import { splitSchema } from './warehouse/sql-quote.ts';
import { ConfigError } from './errors.ts';
import { runSchema, runSchemaName } from './warehouse/schema.ts';
import type { Session } from './warehouse/warehouse.ts';
import { recommendationsSql } from './warehouse/recommendations-sql.ts';
import type { FeatureRow } from './model/feature-row.ts';
import { FEATURE_SPEC, FEATURE_SPEC_VERSION } from './model/feature-spec.ts';
import { fitModelAsync } from './model/fit-model.ts';
import type { KChoice } from './model/k-choice.ts';
import { MODEL_ARTIFACT_VERSION, type ModelArtifact } from './model/model-artifact.ts';
import { previousModel, ariWithPreviousVersion } from './model/previous-model.ts';
import { firstSegmentIds, matchSegments, type SegmentMatch } from './model/segment-matching.ts';
import { hungarian } from './model/hungarian.ts';
import { buildSegmentCards, writeSegmentCards, type CardSegment } from './model/segment-cards.ts';
import { churnRisk, clvThresholds, clvTier, modelChurnRisk, valueThresholds, valueTier } from './model/profile-rules.ts';
import { riskFlags } from './model/risk-flags.ts';
import { customerValueScorer, DEFAULT_CLV_HORIZON_DAYS, fitCustomerValueAsync, type CustomerValue } from './model/clv/customer-value.ts';
import { slicer } from './model/steps.ts';
import { customerReasons, reasonModel } from './model/segment-reasons.ts';

export interface TrainInput {
  runId: string;
  k?: number;
  /** Horizon of expected_orders and predicted_clv, days; default 180. Recorded with the model. */
  clvHorizonDays?: number;
}

export interface TrainResult {
  modelVersion: string;
  k: number;
  silhouette: number;
  daviesBouldin: number;
  calinskiHarabasz: number;
  /** Assignment classifier on the held-out split. */
  heldOutAccuracy: number;
  heldOutMacroF1: number;
  /** The previous published version's model the segment ids were matched to, if any. */
  previousModelVersion?: string;
  /** ARI between the previous published version's segments and these, on their common customers. */
  ariVsPrevious?: number;
  newSegments: number[];
  vanishedSegments: number[];
  /** How k was chosen and why (segmentation.ts); the run summary prints it. */
  kChoice: KChoice;
  /** Wall seconds of each step (read features, segment, fit customer value, ...), for operators and the e2e bench. */
  stepSeconds?: Record<string, number>;
}

/**
 * Train stage: fill, transform and scale the features, segment with K-Means
 * (k by measurement), keep segment ids stable against the previous published
 * version (Hungarian matching of centroids), score the assignment classifier
 * on a held-out split, write a persona card per segment and each customer's
 * segment, tier, churn risk, risk flags and recommended categories. The model
 * version (model-artifact.ts) is stored so profiles name it and the CLI can
 * apply it later without re-clustering.
 */
export function createTrainSegments(deps: ActivityDeps) {
  return async function trainSegments(input: TrainInput): Promise<TrainResult> {
    const horizon = input.clvHorizonDays;
    if (horizon !== undefined && !(horizon > 0 && Number.isFinite(horizon))) {
      throw new ConfigError(`clvHorizonDays must be a positive number of days, got ${horizon}`);
    }
    return deps.warehouse.withSession(async (s) => {
        const schema = runSchema(input.runId);
        const steps = stepTimer();
        // Streamed: the heartbeat timer keeps beating while a large feature table is converted.
        const rows = await s.allStreamed<FeatureRow & Record<string, unknown>>(`SELECT * FROM ${schema}.features ORDER BY customer_id`);
        // Yields between k-means fits, so the heartbeat timer (createActivities) keeps beating.
        steps.lap('read features');
        const { fills, scaler, scaled, segmentation: result, heldOut } = await fitModelAsync(rows, { k: input.k });
        steps.lap('segment');

        const previous = await previousModel(s);
        // Centroids only compare within one feature spec; across specs ids start afresh.
        const comparable = previous?.artifact?.featureSpecVersion === FEATURE_SPEC_VERSION ? previous.artifact : undefined;
        const match: SegmentMatch =
          comparable !== undefined
            ? matchSegments(result.centroids, scaler, comparable, hungarian)
            : firstSegmentIds(result.k, previous?.artifact?.nextSegmentId ?? 0);
        const segmentOf = result.assignments.map((i) => match.segmentIds[i]!);
        const ariVsPrevious = previous === undefined ? undefined : await ariWithPreviousVersion(s, previous.version, rows, segmentOf);
        steps.lap('match previous version');

        const modelVersion = `model-${runSchemaName(input.runId).slice(4)}`; // run_<hex> -> model-<hex>
        const artifact: ModelArtifact = {
          artifactVersion: MODEL_ARTIFACT_VERSION,
          featureSpecVersion: FEATURE_SPEC_VERSION,
          features: [...FEATURE_SPEC],
          fills,
          scaler,
          centroids: result.centroids,
          segmentIds: match.segmentIds,
          nextSegmentId: match.nextSegmentId,
          classifier: { kind: 'nearest-centroid', heldOut },
        };
        // Every pass over all customers below gives the event loop a turn when a slice has passed
        // (model/steps.ts), so the heartbeat timer keeps firing on a busy machine (issue 12).
        const pause = slicer();
        const horizonDays = input.clvHorizonDays ?? DEFAULT_CLV_HORIZON_DAYS;
        const valueModel = await fitCustomerValueAsync(rows, horizonDays);
        steps.lap('fit customer value');
        const score = valueModel === undefined ? () => undefined : customerValueScorer(valueModel);
        const values: Array<CustomerValue | undefined> = [];
        for (const row of rows) {
          values.push(score(row));
          await pause();
        }
        steps.lap('score customer value');
        const labels = profileLabels(rows, values, valueModel !== undefined);
        await pause();
        const reasons = reasonModel(rows, result.centroids);
        await pause();
        const segments = cardSegments(scaled, result.assignments, result.centroids, match.segmentIds);
        await pause();
        // Cards (possibly LLM calls) before the transaction, which stays short.
        const cards = await buildSegmentCards(
          s,
          schema,
          rows,
          segments,
          reasons,
          deps.cardWriter,
          // Only the error's class and HTTP status: an endpoint's message may echo the
          // API key or model output (customer text), which never go to logs.
          (error) =>
            Context.current().log.warn('persona card writer failed; using the rule-based cards', {
              error: error instanceof Error ? error.name : typeof error,
              status: (error as { status?: unknown } | null)?.status,
            }),
        );
        steps.lap('labels, reasons and cards');
        const metrics = {
          personaCards: cards[0]?.source ?? 'rules',
          k: result.k,
          silhouette: result.metrics.silhouette,
          daviesBouldin: result.metrics.daviesBouldin,
          calinskiHarabasz: result.metrics.calinskiHarabasz,
          inertia: result.metrics.inertia,
          perK: result.metrics.perK,
          kChoice: result.metrics.kChoice,
          customerValue: valueModel ?? null,
          classifier: heldOut,
          stability: {
            previousVersion: previous?.version ?? null,
            previousModelVersion: previous?.modelVersion ?? null,
            matched: comparable !== undefined,
            ariVsPrevious: ariVsPrevious ?? null,
            newSegments: match.newSegments,
            vanishedSegments: match.vanishedSegments,
            centroidShift: match.distances,
          },
        };

        // The run's staging (work lake) first, then the model and the run's stage (readers' lake):
        // a transaction writes one lake, and a retry redoes both.
        await s.transaction(async (tx) => {
          await writeSegmentCards(tx, schema, cards);
          await pause();
          await writeAssignments(tx, schema, rows, segmentOf, pause, (row, i) => {
            const [tier, risk] = labels[i]!;
            return {
              tier,
              risk,
              flags: riskFlags(row, tier, risk),
              value: values[i],
              reasons: customerReasons(reasons, result.assignments[i]!, row),
            };
          });
          await tx.run(recommendationsSql(schema));
        });
        await s.transaction(async (tx) => {
          await tx.run('DELETE FROM model_versions WHERE model_version = $1', [modelVersion]); // a retried train replaces its row
          await tx.run(
            `INSERT INTO model_versions (model_version, run_id, created_at, k, artifact, metrics)
             VALUES ($mv, $run_id, now(), $k, $artifact::JSON, $metrics::JSON)`,
            {
              mv: modelVersion,
              run_id: input.runId,
              k: result.k,
              artifact: JSON.stringify(artifact),
              metrics: JSON.stringify(metrics),
            },
          );
          await tx.run(`UPDATE runs SET stage = 'train' WHERE run_id = $1`, [input.runId]);
        });
        steps.lap('write');
        const out: TrainResult = {
          modelVersion,
          k: result.k,
          silhouette: metrics.silhouette,
          daviesBouldin: metrics.daviesBouldin,
          calinskiHarabasz: metrics.calinskiHarabasz,
          heldOutAccuracy: heldOut.accuracy,
          heldOutMacroF1: heldOut.macroF1,
          newSegments: match.newSegments,
          vanishedSegments: match.vanishedSegments,
          kChoice: result.metrics.kChoice,
          stepSeconds: steps.seconds,
        };
        if (previous !== undefined) out.previousModelVersion = previous.modelVersion;
        if (ariVsPrevious !== undefined) out.ariVsPrevious = ariVsPrevious;
        await holdInStage(deps.holdInStage, 'train');
        return out;
      });
  };
}

/** Members of each segment (by row index), nearest to the centroid first: the most typical customers lead. */
function cardSegments(scaled: number[][], assignments: number[], centroids: number[][], segmentIds: number[]): CardSegment[] {
  const members: Array<Array<{ i: number; d: number }>> = centroids.map(() => []);
  assignments.forEach((c, i) => {
    const row = scaled[i]!;
    const centroid = centroids[c]!;
    let d = 0;
    for (let j = 0; j < row.length; j++) d += (row[j]! - centroid[j]!) ** 2;
    members[c]!.push({ i, d });
  });
  return members.map((list, c) => ({
    segmentId: segmentIds[c]!,
    members: list.sort((a, b) => a.d - b.d || a.i - b.i).map((m) => m.i),
  }));
}

/**
 * Value tier and churn risk per customer: from the BG/NBD + Gamma-Gamma
 * values when the run could fit them, else by the RFM rules (profile-rules.ts).
 */
function profileLabels(
  rows: readonly FeatureRow[],
  values: ReadonlyArray<CustomerValue | undefined>,
  modelled: boolean,
): Array<[ReturnType<typeof valueTier>, ReturnType<typeof churnRisk>]> {
  if (modelled) {
    const thresholds = clvThresholds(values);
    return rows.map((row, i) => [clvTier(values[i], thresholds), modelChurnRisk(values[i], row)]);
  }
  const thresholds = valueThresholds(rows);
  return rows.map((row) => [valueTier(row, thresholds), churnRisk(row)]);
}

interface AssignmentFields {
  tier: string;
  risk: string;
  flags: string[];
  value: CustomerValue | undefined;
  reasons: string[];
}

/** Joins list items for the appender; the unit separator occurs in no flag name or reason phrase. */
const SEPARATOR = '\u001f';

/**
 * The run's assignments table: stable segment id, value tier, churn risk,
 * risk flags, BG/NBD + Gamma-Gamma values (NULL for never-ordered customers
 * or without a model) and segment reasons per customer; recommended_categories
 * is filled by SQL afterwards. Lists go through the appender as joined text
 * and become lists in one statement.
 */
async function writeAssignments(
  s: Session,
  schema: string,
  rows: FeatureRow[],
  segmentOf: number[],
  pause: () => Promise<void> | undefined,
  fields: (row: FeatureRow, index: number) => AssignmentFields,
): Promise<void> {
  await s.run(
    `CREATE OR REPLACE TABLE ${schema}.assignments_raw (customer_id VARCHAR, segment_id INTEGER, value_tier VARCHAR,
       churn_risk VARCHAR, risk_flags VARCHAR, p_alive DOUBLE, expected_orders DOUBLE, predicted_clv DOUBLE, segment_reasons VARCHAR)`,
  );
  const target = splitSchema(schema);
  const appender = await s.raw.createAppender('assignments_raw', target.schema, target.catalog);
  try {
    for (const [i, row] of rows.entries()) {
      const f = fields(row, i);
      appender.appendVarchar(row.customer_id);
      appender.appendInteger(segmentOf[i]!);
      appender.appendVarchar(f.tier);
      appender.appendVarchar(f.risk);
      appender.appendVarchar(f.flags.join(SEPARATOR));
      for (const v of [f.value?.pAlive, f.value?.expectedOrders, f.value?.predictedClv]) {
        if (v === undefined || !Number.isFinite(v)) appender.appendNull();
        else appender.appendDouble(v);
      }
      appender.appendVarchar(f.reasons.join(SEPARATOR));
      appender.endRow();
      await pause();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  await s.run(
    `CREATE OR REPLACE TABLE ${schema}.assignments AS
     SELECT customer_id, segment_id, value_tier, churn_risk,
            CASE WHEN risk_flags = '' THEN []::VARCHAR[] ELSE string_split(risk_flags, chr(31)) END AS risk_flags,
            []::VARCHAR[] AS recommended_categories,
            p_alive, expected_orders, predicted_clv,
            CASE WHEN segment_reasons = '' THEN []::VARCHAR[] ELSE string_split(segment_reasons, chr(31)) END AS segment_reasons
     FROM ${schema}.assignments_raw`,
  );
  await s.run(`DROP TABLE ${schema}.assignments_raw`);
}
