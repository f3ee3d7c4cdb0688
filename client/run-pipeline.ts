import type { Config } from '../worker/config.ts';
import type { ProfileRunInput, ProfileRunResult } from '../workflows/types.ts';
import { connectClient, resolveTemporal, workerIsPolling, workflowUrl } from './temporal.ts';
import { startProfileRun } from './start-run.ts';
import { followRun } from './progress.ts';
import { createPersonaflowWorker } from '../worker/create-worker.ts';
import { classifyError } from './exit-code.ts';
import { DataError, ExitCode, RunFailedError } from './cli-errors.ts';
import { assertQueueOfStore } from '../worker/store-id.ts';
import { interruptionOf } from './interruption.ts';

export type PipelineOutcome =
  | { waited: true; result: ProfileRunResult; url?: string }
  | { waited: false; workflowId: string; url?: string };

/**
 * Starts a profileRun on Temporal (embedded dev server unless TEMPORAL_ADDRESS
 * is set) and, when waiting, follows it to the end, served by a worker inside
 * this process unless a worker process already owns the warehouse.
 */
export async function runPipeline(
  config: Config,
  input: ProfileRunInput,
  options: { wait: boolean; log: (line: string) => void },
): Promise<PipelineOutcome> {
  const { log } = options;
  const endpoint = await resolveTemporal(config, { detached: true, log });
  const client = await connectClient(endpoint);
  try {
    if (!options.wait && !(await workerIsPolling(client, config.taskQueue))) {
      log(`warning: no worker polls task queue "${config.taskQueue}": the run waits until one does; start one with \`npx personaflow worker\``);
    }
    const inProcess = options.wait ? await inProcessWorker(config, endpoint.address, log) : undefined;
    const running = inProcess?.run();
    // If the in-process worker dies, nothing would serve the run: stop waiting then.
    const workerDied = running?.then(() => {
      throw new Error('the in-process worker stopped before the run finished; see the messages above');
    });
    workerDied?.catch(() => undefined); // handled by the race below, or moot when not waiting
    let workflowId: string | undefined;
    const signals = interruptionOf(() =>
      workflowId
        ? `run ${workflowId} keeps running on Temporal and any worker on queue "${config.taskQueue}" carries it on; \`npx personaflow status ${workflowId}\` follows it`
        : 'no run was started',
    );
    try {
      const handle = await Promise.race([startProfileRun(client, config, input), signals.interrupted]);
      workflowId = handle.workflowId;
      const url = workflowUrl(endpoint, handle.workflowId);
      if (!options.wait) return { waited: false, workflowId: handle.workflowId, url };
      log(`started workflow ${handle.workflowId}${url ? `\n  watch it at ${url}` : ''}`);
      const follow = followRun(client, handle, log);
      const result = await Promise.race([follow, signals.interrupted, ...(workerDied ? [workerDied] : [])]).catch((error: unknown) => {
        throw failedRun(error, handle.workflowId, url, config.logFile);
      });
      return { waited: true, result, url };
    } finally {
      signals.dispose();
      inProcess?.shutdown();
      // On a signal, exit without draining: the activity in flight is retried elsewhere after its heartbeat timeout.
      if (!signals.received()) await running?.catch(() => undefined); // its error, if any, was already reported through the race
    }
  } finally {
    await client.connection.close();
  }
}

/** One line for a failed run: what went wrong and where the details are. */
function failedRun(error: unknown, workflowId: string, url: string | undefined, logFile: string): Error {
  const { code, message } = classifyError(error);
  if (code !== ExitCode.data && code !== ExitCode.runFailed) return error as Error;
  const where = `details: \`npx personaflow status ${workflowId}\`${url ? `, ${url}` : ''}, ${logFile}`;
  const line = `run ${workflowId} failed: ${message}\n  ${where}`;
  return code === ExitCode.data ? new DataError(line, { cause: error }) : new RunFailedError(line, { cause: error });
}

/**
 * A worker inside this process while the CLI waits for its run. The store is a
 * lake that any number of workers share, so it joins whatever workers already
 * poll the queue; Temporal moves its unfinished activities to another worker
 * once it stops (heartbeat timeouts).
 */
export async function inProcessWorker(config: Config, address: string, log: (line: string) => void) {
  assertQueueOfStore(config);
  const worker = await createPersonaflowWorker(config, address);
  log('serving this run from an in-process worker');
  return worker;
}
