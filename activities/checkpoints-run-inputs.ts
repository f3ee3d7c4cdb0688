import type { ActivityDeps } from './deps.ts';
import type { StartRunInput } from './start-run.ts';
import { fingerprintOf } from './checkpoints-fingerprint.ts';
import { promptVersionOf } from './llm/review-features.ts';

/** The run settings that change results, besides as-of and source. */
export interface RunSettings {
  k?: number;
  maxRejectShare?: number;
  /** Redo every stage even when checkpoints match. */
  force?: boolean;
}

/**
 * startRun, then the run's inputs fingerprint (checkpoints.ts decides reuse by
 * it). Recorded once: a retried startRun keeps what the first attempt saw.
 */
export function recordingRunInputs(deps: ActivityDeps, startRun: (input: StartRunInput) => Promise<void>) {
  return async function startRunWithInputs(input: StartRunInput & RunSettings): Promise<void> {
    await startRun(input);
    const { fingerprint, inputs } = await fingerprintOf({
      asOf: input.asOf,
      source: input.source,
      maxRejectShare: input.maxRejectShare ?? deps.maxRejectShare,
      k: input.k ?? null,
      extractor: deps.extractor.name,
      model: deps.extractor.model,
      promptVersion: promptVersionOf(deps.extractor),
    });
    await deps.warehouse.withSession((s) =>
      s.run(
        `INSERT INTO run_inputs VALUES ($run_id, $fingerprint, $force, $inputs::JSON) ON CONFLICT (run_id) DO NOTHING`,
        { run_id: input.runId, fingerprint, force: input.force ?? false, inputs: JSON.stringify(inputs) },
      ),
    );
  };
}
