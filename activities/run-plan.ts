import type { ActivityDeps } from './deps.ts';
import { ConfigError, InputError } from './errors.ts';
import { describeInvalidInput } from '../workflows/profile-run-input.ts';
import type { ProfileRunInput } from '../workflows/types.ts';
import { ensureWarehouseSchema } from './warehouse/schema.ts';
import { fingerprintOf } from './checkpoints-fingerprint.ts';
import { reusableCheckpoints, type ReusableStage } from './checkpoints.ts';
import { promptVersionOf } from './llm/review-features.ts';
import { DEFAULT_MAX_EXTRACT_FAILURE_SHARE } from './llm/extract-failure-limit.ts';

/** What profileRun hands startRun: its whole input (asOf resolved) plus the run's ids. */
export type StartRunInput = ProfileRunInput & { runId: string; workflowId: string; asOf: string };

/** Which review extractor a run uses; every activity that extracts or reads review features checks it. */
export interface ExtractorSpec {
  extractor: string;
  model: string;
  promptVersion: string;
}

/**
 * What a run will do, decided once by its first activity and then shown in the
 * workflow's history: the settings that change results (so every stage gets
 * them from its input, whichever worker serves it) and the stages an earlier
 * run with the same inputs fingerprint may supply.
 */
export interface RunPlan {
  /** sha256 of as-of, the source files' names, sizes and times, and the settings below; null when the sources cannot be listed. */
  fingerprint: string | null;
  settings: ExtractorSpec & {
    maxRejectShare: number;
    /** Failed share of reviews above which extraction fails the run before publish. */
    maxExtractFailureShare: number;
    /** null: k by measurement. */
    k: number | null;
    /** Days of the BG/NBD + Gamma-Gamma horizon (null: the model's default, 180). */
    clvHorizonDays: number | null;
  };
  /** Task queue of the review extraction activities (extraction-only workers serve it). */
  extractTaskQueue: string;
  /** Stages an earlier run's checkpoint may supply, and from which run. The workflow decides to reuse or compute. */
  reusable: Partial<Record<ReusableStage, { fromRun: string }>>;
}

/**
 * Records the run (idempotent: a retry keeps the first start time and the
 * first fingerprint), checks its input against the schema the CLI uses
 * (workflows/profile-run-input.ts) so an input from the Temporal UI or another
 * client (`"k": 1`) fails at once, non-retryable, naming the field, and after
 * the runs row is written, so the failure shows in runs like any other, and
 * returns the run's plan.
 */
export function createStartRun(deps: ActivityDeps) {
  return async function startRun(input: StartRunInput): Promise<RunPlan> {
    {
      await recordRun(deps, input);
      const { runId: _runId, workflowId: _workflowId, ...runInput } = input;
      const problem = describeInvalidInput(runInput);
      if (problem) throw new InputError(problem, { field: problem.match(/^invalid profileRun input: (\w+)/)?.[1] ?? '(input)' });
      const settings: RunPlan['settings'] = {
        extractor: deps.extractor.name,
        model: deps.extractor.model,
        promptVersion: promptVersionOf(deps.extractor),
        maxRejectShare: input.maxRejectShare ?? deps.maxRejectShare,
        maxExtractFailureShare: input.maxExtractFailureShare ?? deps.maxExtractFailureShare ?? DEFAULT_MAX_EXTRACT_FAILURE_SHARE,
        k: input.k ?? null,
        clvHorizonDays: input.clvHorizonDays ?? null,
      };
      const { maxExtractFailureShare: _limit, ...changingResults } = settings; // the limit decides pass or fail, not the outputs
      const { fingerprint, inputs } = await fingerprintOf({ asOf: input.asOf, source: input.source, ...changingResults });
      return deps.warehouse.withSession(async (s) => {
        await s.transaction(async (tx) => {
          await tx.run(
            `INSERT INTO run_inputs SELECT $run_id, $fingerprint, $force, $inputs::JSON
             WHERE NOT EXISTS (SELECT 1 FROM run_inputs WHERE run_id = $run_id)`,
            { run_id: input.runId, fingerprint, force: input.force ?? false, inputs: JSON.stringify(inputs) },
          );
        });
        const recorded = await s.one<{ fingerprint: string | null }>('SELECT fingerprint FROM run_inputs WHERE run_id = $1', [input.runId]);
        const runFingerprint = recorded?.fingerprint ?? fingerprint;
        const reusable = runFingerprint && !input.force ? await reusableCheckpoints(s, runFingerprint, input.runId) : {};
        return { fingerprint: runFingerprint, settings, extractTaskQueue: deps.extractTaskQueue, reusable };
      });
    }
  };
}

async function recordRun(deps: ActivityDeps, input: StartRunInput): Promise<void> {
  await deps.warehouse.withSession(async (s) => {
    await ensureWarehouseSchema(s);
    await s.transaction((tx) =>
      tx.run(
        `INSERT INTO runs (run_id, workflow_id, as_of, source, status, stage, started_at)
         SELECT $run_id, $workflow_id, $as_of::TIMESTAMPTZ, $source, 'running', 'starting', now()
         WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = $run_id)`,
        { run_id: input.runId, workflow_id: input.workflowId, as_of: input.asOf, source: String(input.source ?? '') },
      ),
    );
  });
}

/** An activity asked to work with another extractor than this worker's: workers of one deployment must agree. */
export function checkExtractor(deps: ActivityDeps, spec: ExtractorSpec | undefined): void {
  if (!spec) return;
  const mine = { extractor: deps.extractor.name, model: deps.extractor.model, promptVersion: promptVersionOf(deps.extractor) };
  if (mine.extractor !== spec.extractor || mine.model !== spec.model || mine.promptVersion !== spec.promptVersion) {
    throw new ConfigError(
      `this run was planned with review extractor ${spec.extractor}/${spec.model} (prompt ${spec.promptVersion}), ` +
        `but this worker has ${mine.extractor}/${mine.model} (prompt ${mine.promptVersion}): give every worker the same ` +
        'PERSONAFLOW_LLM_PROVIDER and PERSONAFLOW_LLM_MODEL',
    );
  }
}

export interface FailRunInput {
  runId: string;
  stage: string;
  error: string;
}

/** Marks a run failed so data teams see it in `runs`; the workflow still fails. */
export function createMarkRunFailed({ warehouse }: ActivityDeps) {
  return async function markRunFailed(input: FailRunInput): Promise<void> {
    await warehouse.withSession((s) =>
      s.transaction((tx) =>
        tx.run(
          `UPDATE runs SET status = 'failed', stage = $stage, error = $error, finished_at = now() WHERE run_id = $run_id`,
          { run_id: input.runId, stage: input.stage, error: input.error.slice(0, 2000) },
        ),
      ),
    );
  };
}
