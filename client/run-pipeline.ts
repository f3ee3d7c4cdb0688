import type { Config } from '../worker/config.ts';
import type { ProfileRunInput, ProfileRunResult } from '../workflows/types.ts';
import { connectClient, resolveTemporal, workerIsPolling, workflowUrl } from './temporal.ts';
import { startProfileRun } from './start-run.ts';
import { followRun } from './progress.ts';
import { createPersonaflowWorker } from '../worker/create-worker.ts';

export type PipelineOutcome =
  | { waited: true; result: ProfileRunResult; url?: string }
  | { waited: false; workflowId: string; url?: string };

/**
 * Starts a profileRun on Temporal (embedded dev server unless TEMPORAL_ADDRESS
 * is set) and, when waiting, follows it to the end. With no worker polling the
 * task queue, a waiting run is served by a worker inside this process.
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
    const polling = await workerIsPolling(client, config.taskQueue);
    if (!polling && !options.wait) {
      log(`note: no worker polls task queue "${config.taskQueue}"; start one with \`npx personaflow worker\``);
    }
    const inProcess = !polling && options.wait ? await createPersonaflowWorker(config, endpoint.address) : undefined;
    if (inProcess) log('no worker was running: serving this run from an in-process worker');
    const running = inProcess?.run();
    try {
      const handle = await startProfileRun(client, config, input);
      const url = workflowUrl(endpoint, handle.workflowId);
      if (!options.wait) return { waited: false, workflowId: handle.workflowId, url };
      log(`started workflow ${handle.workflowId}${url ? `\n  watch it at ${url}` : ''}`);
      return { waited: true, result: await followRun(handle, log), url };
    } finally {
      inProcess?.shutdown();
      await running;
    }
  } finally {
    await client.connection.close();
  }
}
