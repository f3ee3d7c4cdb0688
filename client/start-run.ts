import type { Client } from '@temporalio/client';
import type { Config } from '../worker/config.ts';
import type { ProfileRunInput } from '../workflows/types.ts';
import { profileRun } from '../workflows/index.ts';
import { describeInvalidInput } from '../workflows/profile-run-input.ts';
import { UsageError } from './usage-error.ts';

/** Starts a profileRun with a readable, unique workflow id, once its input passes the schema the worker checks too. */
export async function startProfileRun(client: Client, config: Config, input: ProfileRunInput) {
  const problem = describeInvalidInput(input);
  if (problem) throw new UsageError(problem);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workflowId = `profile-run-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
  return client.workflow.start(profileRun, { taskQueue: config.taskQueue, workflowId, args: [input] });
}
