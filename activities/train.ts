import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps.ts';
import { asActivity } from './temporal-failure.ts';
import { runSchema } from './warehouse/schema.ts';
import type { Session } from './warehouse/warehouse.ts';
import type { FeatureRow } from './model/feature-row.ts';
import { FEATURE_SPEC } from './model/feature-spec.ts';
import { fitScaler, applyScaler, toMatrix } from './model/scaler.ts';
import { trainSegmentation } from './model/segmentation.ts';
import { describeSegment, nameSegments } from './model/persona-card.ts';
import { churnRisk, valueThresholds, valueTier } from './model/profile-rules.ts';
import { CARD_FEATURES } from './model/card-features.ts';

export interface TrainInput {
  runId: string;
  k?: number;
}

export interface TrainResult {
  modelVersion: string;
  k: number;
  silhouette: number;
  daviesBouldin: number;
  calinskiHarabasz: number;
}

/**
 * Train stage: scale the features, segment with K-Means (k by measurement),
 * write a persona card per segment and each customer's segment, tier and risk.
 * The model version (scaler, centroids, feature list, metrics) is stored so
 * profiles can name it and later runs can apply it.
 */
export function createTrainSegments(deps: ActivityDeps) {
  return async function trainSegments(input: TrainInput): Promise<TrainResult> {
    return asActivity(() =>
      deps.warehouse.withSession(async (s) => {
        const schema = runSchema(input.runId);
        const rows = await s.all<FeatureRow & Record<string, unknown>>(`SELECT * FROM ${schema}.features ORDER BY customer_id`);
        Context.current().heartbeat({ customers: rows.length });
        const raw = toMatrix(rows);
        const scaler = fitScaler(raw);
        const result = trainSegmentation(applyScaler(raw, scaler), { k: input.k });
        Context.current().heartbeat({ customers: rows.length, k: result.k });

        const population = meansOf(rows);
        const cards = nameSegments(
          result.centroids.map((_, segment) => {
            const members = rows.filter((_, i) => result.assignments[i] === segment);
            return describeSegment(meansOf(members), population, members.length, rows.length);
          }),
        );
        const thresholds = valueThresholds(rows);
        const modelVersion = `model-${schema.slice(4)}`;
        const metrics = {
          k: result.k,
          silhouette: result.metrics.silhouette,
          daviesBouldin: result.metrics.daviesBouldin,
          calinskiHarabasz: result.metrics.calinskiHarabasz,
          inertia: result.metrics.inertia,
          perK: result.metrics.perK,
        };

        await s.transaction(async (tx) => {
          await tx.run(
            `INSERT OR REPLACE INTO model_versions (model_version, run_id, created_at, k, artifact, metrics)
             VALUES ($mv, $run_id, now(), $k, $artifact::JSON, $metrics::JSON)`,
            {
              mv: modelVersion,
              run_id: input.runId,
              k: result.k,
              artifact: JSON.stringify({ features: FEATURE_SPEC, scaler, centroids: result.centroids }),
              metrics: JSON.stringify(metrics),
            },
          );
          await tx.run(
            `CREATE OR REPLACE TABLE ${schema}.segment_cards (segment_id INTEGER, name VARCHAR, description VARCHAR,
               size INTEGER, feature_means JSON, suggested_actions VARCHAR[])`,
          );
          for (const [segment, card] of cards.entries()) {
            const members = rows.filter((_, i) => result.assignments[i] === segment);
            await tx.run(
              `INSERT INTO ${schema}.segment_cards VALUES ($id, $name, $description, $size, $means::JSON, $actions::JSON::VARCHAR[])`,
              {
                id: segment,
                name: card.name,
                description: card.description,
                size: members.length,
                means: JSON.stringify(round(meansOf(members))),
                actions: JSON.stringify(card.suggestedActions),
              },
            );
          }
          await writeAssignments(tx, schema, rows, result.assignments, (row) => [
            valueTier(row, thresholds),
            churnRisk(row),
          ]);
          await tx.run(`UPDATE runs SET stage = 'train' WHERE run_id = $1`, [input.runId]);
        });
        return {
          modelVersion,
          k: result.k,
          silhouette: metrics.silhouette,
          daviesBouldin: metrics.daviesBouldin,
          calinskiHarabasz: metrics.calinskiHarabasz,
        };
      }),
    );
  };
}

async function writeAssignments(
  s: Session,
  schema: string,
  rows: FeatureRow[],
  assignments: number[],
  rules: (row: FeatureRow) => [string, string],
): Promise<void> {
  await s.run(
    `CREATE OR REPLACE TABLE ${schema}.assignments (customer_id VARCHAR, segment_id INTEGER, value_tier VARCHAR, churn_risk VARCHAR)`,
  );
  const appender = await s.raw.createAppender('assignments', schema);
  try {
    rows.forEach((row, i) => {
      const [tier, risk] = rules(row);
      appender.appendVarchar(row.customer_id);
      appender.appendInteger(assignments[i]!);
      appender.appendVarchar(tier);
      appender.appendVarchar(risk);
      appender.endRow();
    });
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * Mean of each card feature over rows, skipping nulls (no reviews, no orders);
 * a feature no row has (say recency in a segment that never ordered) is left out.
 */
function meansOf(rows: Array<Record<string, unknown>>): Record<string, number> {
  const means: Record<string, number> = {};
  for (const name of CARD_FEATURES) {
    let sum = 0;
    let n = 0;
    for (const row of rows) {
      const value = row[name];
      if (typeof value === 'number' && Number.isFinite(value)) {
        sum += value;
        n += 1;
      }
    }
    if (n > 0) means[name] = sum / n;
  }
  return means;
}

function round(means: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(means).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}
