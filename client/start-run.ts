import type { Client } from '@temporalio/client';
import type { Config } from '../worker/config.ts';
import type { ProfileRunInput } from '../workflows/types.ts';
import { profileRun } from '../workflows/index.ts';

/** Starts a profileRun with a readable, unique workflow id. */
export async function startProfileRun(client: Client, config: Config, input: ProfileRunInput) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workflowId = `profile-run-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
  return client.workflow.start(profileRun, { taskQueue: config.taskQueue, workflowId, args: [input] });
}
