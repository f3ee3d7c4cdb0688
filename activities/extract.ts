import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps.ts';
import { asActivity } from './temporal-failure.ts';
import { extractReviews } from './llm/extract-reviews.ts';
import { runSchema } from './warehouse/schema.ts';

export interface ExtractInput {
  runId: string;
}

export interface ExtractResult {
  extractor: string;
  model: string;
  reviews: number;
  cacheHits: number;
  extracted: number;
  failed: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

/**
 * Extract stage: review features for the run's reviews through the configured
 * extractor. Results are written batch by batch and cached by content hash, so
 * a retried activity only pays for what is not stored yet.
 */
export function createExtractReviewFeatures(deps: ActivityDeps) {
  return async function extractReviewFeatures(input: ExtractInput): Promise<ExtractResult> {
    return asActivity(async () => {
      const summary = await extractReviews(
        {
          warehouse: deps.warehouse,
          extractor: deps.extractor,
          batchSize: deps.llm.batchSize,
          concurrency: deps.llm.concurrency,
          onProgress: (p) => Context.current().heartbeat(p),
        },
        { runId: input.runId, schema: runSchema(input.runId) },
      );
      const result: ExtractResult = {
        extractor: deps.extractor.name,
        model: deps.extractor.model,
        reviews: summary.reviews,
        cacheHits: summary.cacheHits,
        extracted: summary.extracted,
        failed: summary.failed,
        requests: summary.usage.requests,
        promptTokens: summary.usage.promptTokens,
        completionTokens: summary.usage.completionTokens,
      };
      await deps.warehouse.withSession((s) =>
        s.run(`UPDATE runs SET stage = 'extract', llm = $llm::JSON WHERE run_id = $run_id`, {
          run_id: input.runId,
          llm: JSON.stringify({ ...result, cachedPromptTokens: summary.usage.cachedPromptTokens }),
        }),
      );
      return result;
    });
  };
}
