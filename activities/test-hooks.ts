import { writeFileSync } from 'node:fs';
import { Context } from '@temporalio/activity';

/**
 * Crash-test hook, off unless PERSONAFLOW_TEST_HOLD_AFTER_PUBLISH_COMMIT is set:
 * after publish has committed its version, write the version to `marker` and
 * never return, so a test can kill the worker at exactly the moment where a
 * retry must not publish again (test/integration/crash-publish.test.ts).
 */
export async function holdAfterPublishCommit(marker: string | undefined, version: number): Promise<void> {
  if (!marker) return;
  writeFileSync(marker, String(version));
  await new Promise<never>(() => undefined);
}

/** PERSONAFLOW_TEST_HOLD_IN_STAGE, parsed: which stage holds, for how long (undefined: until killed), and its marker file. */
export interface StageHold {
  stage: 'load' | 'features' | 'train';
  ms?: number;
  marker: string;
}

export function parseStageHold(value: string): StageHold {
  const [stage, ms, ...marker] = value.split(':');
  return { stage: stage as StageHold['stage'], ms: ms === 'forever' ? undefined : Number(ms), marker: marker.join(':') };
}

/**
 * Recovery-test hook, off unless PERSONAFLOW_TEST_HOLD_IN_STAGE is set: once
 * the stage's work is done (its staging written), write the attempt number to
 * `marker`, then hold for `ms` (or until killed) before returning. The
 * activity heartbeats meanwhile, as during one long DuckDB statement, so a
 * test can kill the worker mid-stage, or stop the server so that the stage's
 * completion is lost (test/integration/recovery.test.ts).
 */
export async function holdInStage(hold: StageHold | undefined, stage: StageHold['stage']): Promise<void> {
  if (hold?.stage !== stage) return;
  writeFileSync(hold.marker, String(Context.current().info.attempt));
  await new Promise<void>((resolve) => {
    if (hold.ms !== undefined) setTimeout(resolve, hold.ms);
  });
}
