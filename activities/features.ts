import type { ActivityDeps } from './deps.ts';
import { holdInStage } from './test-hooks.ts';
import { buildFeaturesSql } from './warehouse/features-sql.ts';
import { runSchema } from './warehouse/schema.ts';
import { promptVersionOf } from './llm/review-features.ts';
import type { ExtractorSpec } from './run-plan.ts';
import { enforceShrinkGuard } from './shrink-guard.ts';

export interface FeaturesInput {
  runId: string;
  asOf: string;
  /** Whose review features to aggregate (the run plan's); absent: this worker's extractor (runs started before plans). */
  extractor?: ExtractorSpec;
}

export interface FeaturesResult {
  customers: number;
  withOrders: number;
  withReviewFeatures: number;
}

/** Features stage: one row per customer in the run's `features` table, computed in SQL. */
export function createBuildFeatures(deps: ActivityDeps) {
  return async function buildFeatures(input: FeaturesInput): Promise<FeaturesResult> {
    return deps.warehouse.withSession(async (s) => {
        const schema = runSchema(input.runId);
        await s.run(buildFeaturesSql(schema), {
          as_of: input.asOf,
          extractor: input.extractor?.extractor ?? deps.extractor.name,
          model: input.extractor?.model ?? deps.extractor.model,
          prompt_version: input.extractor?.promptVersion ?? promptVersionOf(deps.extractor),
        });
        // Before train and publish: a much emptier version than the current one needs force.
        await enforceShrinkGuard(s, { runId: input.runId, schema, asOf: input.asOf });
        await s.run(`UPDATE runs SET stage = 'features' WHERE run_id = $1`, [input.runId]);
        const counts = await s.one<{ customers: number; with_orders: number; with_reviews: number }>(
          `SELECT count(*) AS customers, count(*) FILTER (WHERE frequency > 0) AS with_orders,
                  count(*) FILTER (WHERE review_count > 0) AS with_reviews
           FROM ${schema}.features`,
        );
        await holdInStage(deps.holdInStage, 'features');
        return {
          customers: counts?.customers ?? 0,
          withOrders: counts?.with_orders ?? 0,
          withReviewFeatures: counts?.with_reviews ?? 0,
        };
      });
  };
}
