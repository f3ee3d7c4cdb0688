import { ApplicationFailure, continueAsNew, defineQuery, patched, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ExtractPlanResult, ExtractRangeResult, ExtractResult } from '../activities/extract.ts';
import type { ExtractionUsage } from '../activities/llm/review-features.ts';
import type { ExtractorSpec } from '../activities/run-plan.ts';
import { HEARTBEAT_TIMEOUT } from './heartbeat-timeout.ts';

/** One JSON object in, as every workflow here; only ids, counts and numbers travel. */
export interface ExtractReviewsInput {
  runId: string;
  /** Pending groups per range activity (default: the plan's groups over TARGET_RANGES, from 500 to 20,000). */
  rangeSize?: number;
  /** Range activities in flight at once (default 2; any worker on the task queue may take them). */
  parallelRanges?: number;
  /** Largest failed share of the run's reviews (default: PERSONAFLOW_MAX_EXTRACT_FAILURE_SHARE of the worker). */
  maxFailureShare?: number;
  /** Prompt + completion tokens this run may spend; default: PERSONAFLOW_LLM_TOKEN_BUDGET of the worker. */
  tokenBudget?: number;
  /** Continue as new after this many ranges in one execution (default 1,000; tests set it low). */
  maxRangesPerExecution?: number;
  /**
   * Batch API mode for large backfills (openai provider): each range goes out
   * as one batch job, polled every `pollSeconds` (default 60) with durable
   * timers; what the job does not answer is retried by the normal path.
   */
  batchApi?: { pollSeconds?: number };
  /** The run plan's extractor: a worker configured with another one refuses the work. */
  extractor?: ExtractorSpec;
  /** Task queue of the range activities, served by every worker and by extraction-only workers (the run plan's). */
  extractTaskQueue?: string;
  /** Carried across continue-as-new; absent on the first execution. */
  state?: ExtractState;
}

/** Patch of release 0.2: range activities go to the extraction task queue. */
export const EXTRACT_QUEUE_PATCH = 'extract-task-queue';

/**
 * Patch of issue 12: without a rangeSize, ranges grow with the plan. Each
 * range has a fixed cost in the store (its commits, and its reads of
 * review_features, which grow with what the run stored), so a fixed 500 made
 * a run of 168k reviews 314 ranges and one of 1.68M over 3,000. Runs before
 * the patch keep 500 groups per range.
 */
export const RANGE_SIZE_PATCH = 'range-size-by-plan';
/** Ranges a run is cut into by default: plenty to spread over workers, few enough to keep per-range costs small. */
const TARGET_RANGES = 64;
const MIN_RANGE_GROUPS = 500;
/** A range stays well inside its 2-hour start-to-close timeout even with the embedded model's shipped engine (~6 reviews/s per core; the fast helper does about ten times that). */
const MAX_RANGE_GROUPS = 20_000;

function defaultRangeSize(pendingGroups: number): number {
  return Math.min(MAX_RANGE_GROUPS, Math.max(MIN_RANGE_GROUPS, Math.ceil(pendingGroups / TARGET_RANGES)));
}

export interface ExtractState {
  plan: ExtractPlanResult;
  /** First group number not yet handed to a range. */
  next: number;
  extracted: number;
  failed: number;
  skipped: number;
  usage: ExtractionUsage;
  budgetExhausted: boolean;
}

/** Reviews to extract (not from cache) and how many finished ranges settled; in-flight ranges report by heartbeat. */
export interface ExtractProgress {
  reviews: number;
  cacheHits: number;
  pending: number;
  settled: number;
}
/** For the CLI's progress line (items done of total, rate, ETA); queries add nothing to history. */
export const extractProgressQuery = defineQuery<ExtractProgress | null>('extractProgress');

const { planReviewExtraction, recordExtraction } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});
// LLM calls: long, heartbeating (a timer beats during a slow call too). The
// extractor alone retries the LLM endpoint (its retry budget, docs/extraction.md)
// and reports what is left as non-retryable, so these retries are for lost
// workers and store errors; a retry resumes from what is stored and from its
// heartbeat's usage.
const RANGE_OPTIONS = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8 },
} as const;
const BATCH_JOB_OPTIONS = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8 },
} as const;

/** The LLM-calling activities, on the extraction queue when the run plan names one (else the workflow's own queue). */
function extractionActivities(input: ExtractReviewsInput) {
  const taskQueue = input.extractTaskQueue && patched(EXTRACT_QUEUE_PATCH) ? input.extractTaskQueue : undefined;
  if (!taskQueue) return { extractReviewRange, submitReviewBatchJob, reviewBatchJobStatus, collectReviewBatchJob };
  // Proxies answer any name but list none: take each activity by name.
  const ranges = proxyActivities<Activities>({ ...RANGE_OPTIONS, taskQueue });
  const jobs = proxyActivities<Activities>({ ...BATCH_JOB_OPTIONS, taskQueue });
  return {
    extractReviewRange: ranges.extractReviewRange,
    submitReviewBatchJob: jobs.submitReviewBatchJob,
    reviewBatchJobStatus: jobs.reviewBatchJobStatus,
    collectReviewBatchJob: jobs.collectReviewBatchJob,
  };
}
const { extractReviewRange } = proxyActivities<Activities>(RANGE_OPTIONS);
const { submitReviewBatchJob, reviewBatchJobStatus, collectReviewBatchJob } = proxyActivities<Activities>(BATCH_JOB_OPTIONS);


/**
 * The extract stage as a child of profileRun: plans once (cache, numbering),
 * then fans out range activities over group numbers with a sliding window,
 * and continues as new when its history grows, so a backfill of millions of
 * reviews stays inside Temporal's history limits. Review text never enters
 * this workflow: ranges are pairs of numbers.
 */
export async function extractReviewsWorkflow(input: ExtractReviewsInput): Promise<ExtractResult> {
  let current: ExtractState | undefined = input.state;
  setHandler(extractProgressQuery, () =>
    current
      ? { reviews: current.plan.reviews, cacheHits: current.plan.cacheHits, pending: current.plan.pendingReviews, settled: current.extracted + current.failed }
      : null,
  );
  const parallel = input.parallelRanges ?? 2;
  const maxRanges = input.maxRangesPerExecution ?? 1_000;
  const activities = extractionActivities(input);
  const state: ExtractState = input.state ?? {
    plan: withBudget(await planReviewExtraction({ runId: input.runId, ...(input.extractor ? { extractor: input.extractor } : {}) }), input.tokenBudget),
    next: 0,
    extracted: 0,
    failed: 0,
    skipped: 0,
    usage: { requests: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 },
    budgetExhausted: false,
  };
  current = state;
  const { plan } = state;
  const rangeSize = input.rangeSize ?? (patched(RANGE_SIZE_PATCH) ? defaultRangeSize(plan.pendingGroups) : MIN_RANGE_GROUPS);
  const spent = (): number => state.usage.promptTokens + state.usage.completionTokens;

  const inFlight = new Map<number, Promise<{ from: number; result: ExtractRangeResult }>>();
  let started = 0;
  const outOfRoom = (): boolean => started >= maxRanges || workflowInfo().continueAsNewSuggested;
  for (;;) {
    while (inFlight.size < parallel && state.next < plan.pendingGroups && !state.budgetExhausted && !outOfRoom()) {
      const from = state.next;
      const to = Math.min(plan.pendingGroups, from + rangeSize);
      // Each range in flight gets an equal share of what is left, so together they stay within it.
      let tokenBudget: number | undefined;
      if (plan.tokenBudget !== undefined) {
        const left = plan.tokenBudget - spent();
        if (left <= 0) {
          state.budgetExhausted = true;
          break;
        }
        tokenBudget = Math.floor(left / parallel);
      }
      state.next = to;
      started += 1;
      const range = { runId: input.runId, from, to, tokenBudget, ...(input.extractor ? { extractor: input.extractor } : {}) };
      const work = input.batchApi ? batchJobRange(activities, range, input.batchApi.pollSeconds ?? 60) : activities.extractReviewRange(range);
      inFlight.set(from, work.then((result) => ({ from, result })));
    }
    if (inFlight.size === 0) break;
    const { from, result } = await Promise.race(inFlight.values());
    inFlight.delete(from);
    state.extracted += result.extracted;
    state.failed += result.failed;
    state.skipped += result.skipped;
    // Every key the range reported, the cascade's optional counters included.
    for (const [key, value] of Object.entries(result.usage) as Array<[keyof ExtractionUsage, number | undefined]>) {
      state.usage[key] = (state.usage[key] ?? 0) + (value ?? 0);
    }
    if (result.budgetExhausted) state.budgetExhausted = true;
  }

  if (state.next < plan.pendingGroups && !state.budgetExhausted) {
    // Out of room in this execution's history: the same work goes on in a fresh one.
    await continueAsNew<typeof extractReviewsWorkflow>({ ...input, state });
  }
  // Groups never handed to a range (budget spent) have no row: count them as skipped.
  state.skipped = plan.pendingReviews - state.extracted - state.failed;
  const result = await recordExtraction({
    runId: input.runId,
    plan,
    maxFailureShare: input.maxFailureShare,
    extracted: state.extracted,
    failed: state.failed,
    skipped: state.skipped,
    usage: state.usage,
    budgetExhausted: state.budgetExhausted,
  });
  if (state.budgetExhausted) {
    throw ApplicationFailure.nonRetryable(
      `LLM token budget of ${plan.tokenBudget} tokens (PERSONAFLOW_LLM_TOKEN_BUDGET) spent: ${spent()} tokens used; ` +
        `${state.extracted} reviews extracted and ${state.failed} failed are stored and cached, ${state.skipped} were not extracted; ` +
        'raise the budget or run again to continue from the cache',
      'TokenBudgetExhausted',
      result,
    );
  }
  return result;
}

function withBudget(plan: ExtractPlanResult, tokenBudget: number | undefined): ExtractPlanResult {
  return tokenBudget === undefined ? plan : { ...plan, tokenBudget };
}

/** One range through the Batch API, then the normal path for whatever it left. */
async function batchJobRange(
  { submitReviewBatchJob, reviewBatchJobStatus, collectReviewBatchJob, extractReviewRange }: ReturnType<typeof extractionActivities>,
  range: { runId: string; from: number; to: number; tokenBudget?: number; extractor?: ExtractorSpec },
  pollSeconds: number,
): Promise<ExtractRangeResult> {
  const { batchId } = await submitReviewBatchJob(range);
  // Durable polling: a timer per poll; a worker restart resumes the wait. The
  // job itself ends by its 24 h completion window, which bounds the loop.
  for (;;) {
    await sleep(pollSeconds * 1000);
    if ((await reviewBatchJobStatus({ batchId })).final) break;
  }
  const collected = await collectReviewBatchJob({ ...range, batchId });
  const rest = await extractReviewRange(range);
  const usage = { ...rest.usage };
  for (const [key, value] of Object.entries(collected.usage) as Array<[keyof ExtractionUsage, number | undefined]>) {
    usage[key] = (usage[key] ?? 0) + (value ?? 0);
  }
  return { ...rest, usage };
}
