import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps.ts';
import { extractRange, planExtraction, rangeBatches, storeOutcomes, type RangeProgress } from './llm/extract-reviews.ts';
import { FINAL_BATCH_STATUSES, batchJobStatus, readBatchJob, submitBatchJob } from './llm/batch-api.ts';
import { OpenAIExtractor } from './llm/openai-extractor.ts';
import { CascadeExtractor } from './llm/cascade-extractor.ts';
import { ConfigError } from './errors.ts';
import { DEFAULT_MAX_EXTRACT_FAILURE_SHARE, enforceExtractFailureLimit } from './llm/extract-failure-limit.ts';
import { estimateCostUsd } from './llm/prices.ts';
import { emptyUsage, type ExtractionUsage } from './llm/review-features.ts';
import { runSchema } from './warehouse/schema.ts';
import { checkExtractor, type ExtractorSpec } from './run-plan.ts';
import { heartbeatWhile } from './heartbeat-while.ts';

export interface ExtractInput {
  runId: string;
  /** The run plan's extractor; a worker with another one refuses (absent: runs started before plans). */
  extractor?: ExtractorSpec;
}

/** What the workflow learns from planning: counts and the configuration it must follow (no text). */
export interface ExtractPlanResult {
  extractor: string;
  model: string;
  reviews: number;
  cacheHits: number;
  /** Groups numbered 0..pendingGroups-1 in the run's extract_pending table: the ranges' coordinates. */
  pendingGroups: number;
  pendingReviews: number;
  /** The run's token budget from config (undefined: none). */
  tokenBudget?: number;
}

export interface ExtractRangeInput {
  runId: string;
  from: number;
  to: number;
  tokenBudget?: number;
  extractor?: ExtractorSpec;
}

export interface ExtractRangeResult {
  extracted: number;
  failed: number;
  skipped: number;
  usage: ExtractionUsage;
  budgetExhausted: boolean;
}

export interface RecordExtractionInput {
  plan: ExtractPlanResult;
  runId: string;
  /** Largest failed share of the run's reviews before it fails (default: PERSONAFLOW_MAX_EXTRACT_FAILURE_SHARE). */
  maxFailureShare?: number;
  extracted: number;
  failed: number;
  skipped: number;
  usage: ExtractionUsage;
  budgetExhausted: boolean;
}

/** The stage's accounting, as stored in runs.llm and returned to profileRun. */
export interface ExtractResult {
  extractor: string;
  model: string;
  reviews: number;
  cacheHits: number;
  extracted: number;
  failed: number;
  /** Reviews left without features because the token budget ran out. */
  skipped: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  /** Estimated USD from the configured price table; null when the model has no price. */
  costUsd: number | null;
  budgetExhausted: boolean;
  /** The cascade's split (provider openai with the encoder in front): who answered, and LLM requests not made. */
  cascade?: { encoderReviews: number; llmReviews: number; requestsSaved: number };
}

/**
 * The extract stage as three activities, orchestrated by the
 * extractReviewsWorkflow child: plan (cache + numbering), ranges of group
 * numbers (the LLM calls, heartbeating), and the accounting record.
 */
export function createExtractActivities(deps: ActivityDeps) {
  async function planReviewExtraction(input: ExtractInput): Promise<ExtractPlanResult> {
    checkExtractor(deps, input.extractor);
    const plan = await planExtraction(deps, { runId: input.runId, schema: runSchema(input.runId) });
    return { extractor: deps.extractor.name, model: deps.extractor.model, ...plan, tokenBudget: deps.llm.tokenBudget };
  }

  async function extractReviewRange(input: ExtractRangeInput): Promise<ExtractRangeResult> {
    checkExtractor(deps, input.extractor);
    const context = Context.current();
    // Every request in flight (and every retry wait) listens on this one signal.
    setMaxListeners(4 * deps.llm.concurrency + 16, context.cancellationSignal);
    // A retried attempt carries on the accounting of the attempts before it;
    // the work itself resumes from what is stored (finished batches are cached).
    const prior = context.info.heartbeatDetails as RangeProgress | undefined;
    let last: RangeProgress = { done: 0, total: 0, usage: prior?.usage ?? emptyUsage() };
    const details = (): RangeProgress => ({ ...last, usage: { ...last.usage } });
    // The timer beats even inside one long LLM call; each beat carries the usage so far.
    return heartbeatWhile(
      () =>
        extractRange(
        {
          warehouse: deps.warehouse,
          extractor: deps.extractor,
          batchSize: deps.llm.batchSize,
          concurrency: deps.llm.concurrency,
          signal: context.cancellationSignal,
          onProgress: (p) => {
            last = { done: p.done, total: p.total, usage: p.usage ?? last.usage };
            context.heartbeat(details());
          },
        },
        {
          runId: input.runId,
          schema: runSchema(input.runId),
          from: input.from,
          to: input.to,
          tokenBudget: input.tokenBudget,
          priorUsage: prior?.usage,
        },
      ),
      { details },
    );
  }

  async function recordExtraction(input: RecordExtractionInput): Promise<ExtractResult> {
    const { plan, usage } = input;
    const result: ExtractResult = {
      extractor: plan.extractor,
      model: plan.model,
      reviews: plan.reviews,
      cacheHits: plan.cacheHits,
      extracted: input.extracted,
      failed: input.failed,
      skipped: input.skipped,
      requests: usage.requests,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cachedPromptTokens: usage.cachedPromptTokens,
      costUsd: estimateCostUsd(usage, deps.llm.price),
      budgetExhausted: input.budgetExhausted,
      ...(usage.encoderReviews !== undefined || usage.llmReviews !== undefined
        ? { cascade: { encoderReviews: usage.encoderReviews ?? 0, llmReviews: usage.llmReviews ?? 0, requestsSaved: usage.requestsSaved ?? 0 } }
        : {}),
    };
    await deps.warehouse.withSession(async (s) => {
      await s.run(`UPDATE runs SET stage = 'extract', llm = $llm::JSON WHERE run_id = $run_id`, {
        run_id: input.runId,
        llm: JSON.stringify(result),
      });
      // After the accounting is stored (runs.llm shows what happened), before anything is published.
      await enforceExtractFailureLimit(s, {
        runId: input.runId,
        reviews: plan.reviews,
        failed: input.failed,
        limit: input.maxFailureShare ?? deps.maxExtractFailureShare ?? DEFAULT_MAX_EXTRACT_FAILURE_SHARE,
      });
    });
    return result;
  }

  // Batch API mode: the range's batches go out as one batch job; the workflow
  // polls it with timers; collected results are stored and the range then runs
  // through extractReviewRange, which retries whatever the job did not answer.
  function openaiExtractor(): OpenAIExtractor {
    if (deps.extractor instanceof CascadeExtractor) {
      throw new ConfigError('Batch API mode sends every review to the LLM: unset PERSONAFLOW_CASCADE_THRESHOLD to use it');
    }
    if (!(deps.extractor instanceof OpenAIExtractor)) {
      throw new ConfigError(`Batch API mode needs PERSONAFLOW_LLM_PROVIDER=openai (the extractor is "${deps.extractor.name}")`);
    }
    return deps.extractor;
  }
  const rangeOf = (input: ExtractRangeInput) => ({ runId: input.runId, schema: runSchema(input.runId), from: input.from, to: input.to });
  const batchesOf = (input: ExtractRangeInput) =>
    rangeBatches({ warehouse: deps.warehouse, extractor: deps.extractor, batchSize: deps.llm.batchSize }, rangeOf(input));

  async function submitReviewBatchJob(input: ExtractRangeInput): Promise<{ batchId: string; lines: number }> {
    const extractor = openaiExtractor();
    const batches = await batchesOf(input);
    return { batchId: await submitBatchJob(extractor, batches), lines: batches.length };
  }

  async function reviewBatchJobStatus(input: { batchId: string }): Promise<{ status: string; final: boolean }> {
    const status = await batchJobStatus(openaiExtractor(), input.batchId);
    return { status, final: FINAL_BATCH_STATUSES.includes(status) };
  }

  async function collectReviewBatchJob(
    input: ExtractRangeInput & { batchId: string },
  ): Promise<{ stored: number; failedLines: number; usage: ExtractionUsage }> {
    const extractor = openaiExtractor();
    const results = await readBatchJob(extractor, input.batchId, await batchesOf(input));
    const stored = await storeOutcomes(deps, rangeOf(input), results.outcomes);
    return { stored, failedLines: results.failedLines, usage: results.usage };
  }

  return {
    planReviewExtraction,
    extractReviewRange,
    recordExtraction,
    submitReviewBatchJob,
    reviewBatchJobStatus,
    collectReviewBatchJob,
  };
}
