import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { VersionPinInput, VersionPinResult } from '../activities/retention-pins.ts';

const { setVersionPin } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

/**
 * Pins or unpins a version ({"version": 3, "pinned": true}). A workflow, not a
 * direct write, because only the worker may open the warehouse file.
 */
export async function versionPin(input: VersionPinInput): Promise<VersionPinResult> {
  return setVersionPin(input);
}
