import {
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  executeChild,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { profileRun } from './profile-run.ts';
import type { ProfileRunInput } from './types.ts';
import type { BackfillProfilesInput, BackfillProgress, BackfillResult } from './backfill-types.ts';

export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');

/** Children started per workflow run before continuing as new (each costs ~10 history events). */
const DEFAULT_CHILDREN_PER_RUN = 500;
/** A range longer than this is almost certainly a typo in from/to/step. */
const MAX_RUNS = 100_000;
/** Entries of the published/failed lists kept (they travel through continue-as-new). */
const KEPT_ENTRIES = 20;

/**
 * Profiles every as-of time from `from` to `to` (both inclusive) in steps of
 * `step`, each as its own profileRun child (so each publishes its own version),
 * at most `parallelism` at a time. Child ids derive from this workflow's id and
 * the as-of time, so they stay the same across continue-as-new and retries.
 * Long ranges continue as new before the history grows too large. A failed
 * child does not stop the others; the backfill fails at the end naming them.
 */
export async function backfillProfiles(input: BackfillProfilesInput): Promise<BackfillResult> {
  const plan = planOf(input);
  const { workflowId } = workflowInfo();
  const progress: BackfillProgress = {
    total: plan.total,
    completed: input.carried?.completed ?? 0,
    failed: input.carried?.failed ?? 0,
    nextIndex: input.carried?.nextIndex ?? 0,
    running: [],
    published: input.carried?.published ?? [],
    failures: input.carried?.failures ?? [],
    continuedAsNew: input.carried?.continuedAsNew ?? 0,
  };
  setHandler(backfillProgressQuery, () => progress);

  const budget = input.childrenPerRun ?? DEFAULT_CHILDREN_PER_RUN;
  let startedHere = 0;
  const running = new Map<string, Promise<void>>();
  const timeToContinue = () => startedHere >= budget || workflowInfo().continueAsNewSuggested;

  while (true) {
    while (running.size < plan.parallelism && progress.nextIndex < plan.total && !timeToContinue()) {
      const asOf = new Date(plan.from + progress.nextIndex * plan.step).toISOString();
      progress.nextIndex += 1;
      startedHere += 1;
      progress.running.push(asOf);
      const child: ProfileRunInput = {
        source: input.source,
        asOf,
        ...(input.k !== undefined ? { k: input.k } : {}),
        ...(input.maxRejectShare !== undefined ? { maxRejectShare: input.maxRejectShare } : {}),
        ...(input.force !== undefined ? { force: input.force } : {}),
      };
      const done = executeChild(profileRun, { workflowId: `${workflowId}/as-of-${asOf}`, args: [child] })
        .then(
          (result) => {
            progress.completed += 1;
            progress.published = [...progress.published, { asOf, version: result.version }].slice(-KEPT_ENTRIES);
          },
          (error: unknown) => {
            progress.failed += 1;
            progress.failures = [...progress.failures, { asOf, error: innermostMessage(error) }].slice(-KEPT_ENTRIES);
          },
        )
        .finally(() => {
          running.delete(asOf);
          progress.running = progress.running.filter((t) => t !== asOf);
        });
      running.set(asOf, done);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  if (progress.nextIndex < plan.total) {
    // Everything started here has finished; the next run starts with a fresh history.
    const { running: _, total: __, ...carried } = progress;
    await continueAsNew<typeof backfillProfiles>({ ...input, carried: { ...carried, continuedAsNew: carried.continuedAsNew + 1 } });
  }
  if (progress.failed > 0) {
    const listed = progress.failures.map((f) => `${f.asOf}: ${f.error}`).join('; ');
    throw ApplicationFailure.nonRetryable(
      `${progress.failed} of ${plan.total} runs failed (latest: ${listed})`,
      'BackfillFailed',
    );
  }
  return { total: plan.total, completed: progress.completed, published: progress.published, continuedAsNew: progress.continuedAsNew };
}

interface Plan {
  from: number;
  step: number;
  total: number;
  parallelism: number;
}

/** Validates the input (non-retryable on mistakes: they never get better) and counts the runs. */
function planOf(input: BackfillProfilesInput): Plan {
  const bad = (message: string) => ApplicationFailure.nonRetryable(`backfillProfiles: ${message}`, 'InvalidInput');
  if (!input || typeof input.source !== 'string' || input.source === '') {
    throw bad('needs {"source": "<folder>", "from": "<ISO time>", "to": "<ISO time>", "step": "1 day", "parallelism": 2}');
  }
  const from = Date.parse(input.from);
  const to = Date.parse(input.to);
  if (Number.isNaN(from)) throw bad(`from "${input.from}" is not an ISO 8601 time`);
  if (Number.isNaN(to)) throw bad(`to "${input.to}" is not an ISO 8601 time`);
  if (to < from) throw bad(`to (${input.to}) is before from (${input.from})`);
  let step: number;
  try {
    step = msToNumber((input.step ?? '1 day') as Parameters<typeof msToNumber>[0]);
  } catch {
    throw bad(`step "${input.step}" is not a duration (examples: "1 day", "6h", "1 week")`);
  }
  if (!(step >= 60_000)) throw bad(`step "${input.step}" must be at least one minute`);
  const parallelism = input.parallelism ?? 2;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 100) {
    throw bad(`parallelism ${input.parallelism} must be an integer from 1 to 100`);
  }
  if (input.childrenPerRun !== undefined && !(Number.isInteger(input.childrenPerRun) && input.childrenPerRun >= 1)) {
    throw bad(`childrenPerRun ${input.childrenPerRun} must be a positive integer`);
  }
  const total = Math.floor((to - from) / step) + 1;
  if (total > MAX_RUNS) throw bad(`${total} runs from ${input.from} to ${input.to} every ${input.step}: more than ${MAX_RUNS}`);
  return { from, step, total, parallelism };
}

function innermostMessage(error: unknown): string {
  let current = error as Error;
  while (current?.cause instanceof Error) current = current.cause;
  return (current?.message ?? String(error)).slice(0, 300);
}
