import { writeFileSync } from 'node:fs';

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
