import type { Command } from 'commander';
import { loadConfig, type Config } from '../../worker/config.ts';
import { textTable } from '../text-table.ts';
import { DataError, RunFailedError } from '../cli-errors.ts';
import { UsageError } from '../usage-error.ts';

interface StatusFlags {
  json?: boolean;
  limit: string;
}

/**
 * `personaflow status [workflowId]`: without an id, recent runs from the
 * published outputs' runs table (no Temporal needed); with one, that run's
 * state from Temporal. Read-only: it never starts a server.
 */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .argument('[workflowId]', 'a run (profileRun or backfillProfiles workflow id); without it, recent runs')
    .option('--limit <n>', 'how many recent runs to list', '20')
    .option('--json', 'print JSON')
    .action((workflowId: string | undefined, flags: StatusFlags) => (workflowId ? oneRun(workflowId, flags) : recent(flags)));
}

async function recent(flags: StatusFlags): Promise<void> {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${flags.limit}: must be a positive integer`);
  const [{ withOutputsSession }, { recentRuns }] = await Promise.all([import('../outputs-reader.ts'), import('../runs-list.ts')]);
  const rows = await withOutputsSession(loadConfig().lake, (s) => recentRuns(s, limit));
  if (flags.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log(
    textTable(
      rows.map(({ error, ...row }) => ({ ...row, error: error ? error.split('\n')[0]!.slice(0, 60) : '' })),
    ),
  );
}

async function oneRun(workflowId: string, flags: StatusFlags): Promise<void> {
  const config = loadConfig();
  const { existingTemporal, withClient, workflowUrl } = await import('../temporal.ts');
  const endpoint = await existingTemporal(config);
  await withClient(endpoint, async (client) => {
    const { WorkflowNotFoundError } = await import('@temporalio/client');
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe().catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) throw new DataError(`no workflow with id ${workflowId}`);
      throw error;
    });
    const url = workflowUrl(endpoint, workflowId);
    const state = description.status.name;
    const out: Record<string, unknown> = { workflowId, type: description.type, state, url };
    if (!flags.json) console.log(`workflow ${workflowId}: ${state}${url ? `  (${url})` : ''}`);
    if (state === 'RUNNING') {
      await running(client, config, handle, description, out, flags.json ?? false);
    } else if (state === 'COMPLETED') {
      const result = await handle.result();
      out.result = result;
      if (flags.json) console.log(JSON.stringify(out, null, 2));
      else if (description.type === 'backfillProfiles') {
        const { printBackfillResult } = await import('../backfill-status.ts');
        printBackfillResult(result as never);
      } else {
        const { formatRunSummary } = await import('../summary.ts');
        console.log(formatRunSummary(result as never, config.lake, url));
      }
    } else {
      const message = await handle.result().then(
        () => state,
        (error: unknown) => {
          let e = error as Error;
          while (e.cause instanceof Error) e = e.cause;
          return e.message;
        },
      );
      out.error = message;
      if (flags.json) console.log(JSON.stringify(out, null, 2));
      throw new RunFailedError(`run ${workflowId} ${state.toLowerCase()}: ${message}${url ? ` (details: ${url})` : ''}`);
    }
  });
}

/** A workflow task waits milliseconds for a live worker; this long unpicked means none is serving. */
const UNPICKED_TASK_MS = 10_000;

/** A running workflow: its progress query, or "waiting for a worker" when nobody polls its queue. */
async function running(
  client: import('@temporalio/client').Client,
  config: Config,
  handle: import('@temporalio/client').WorkflowHandle,
  description: import('@temporalio/client').WorkflowExecutionDescription,
  out: Record<string, unknown>,
  json: boolean,
): Promise<void> {
  const { taskQueue, type } = description;
  const { workerIsPolling } = await import('../temporal.ts');
  const waiting = (why: string) => {
    out.waitingForWorker = true;
    const line = `waiting for a worker: ${why}; start one with \`npx personaflow worker\`${taskQueue === config.taskQueue ? '' : ` (this store's queue is "${config.taskQueue}")`}`;
    console.log(json ? JSON.stringify({ ...out, message: line }, null, 2) : line);
  };
  if (!(await workerIsPolling(client, taskQueue))) return waiting(`none polls task queue "${taskQueue}"`);
  // A workflow task nobody picked up for a while: the listed poller is gone (Temporal lists them for minutes).
  const task = description.raw.pendingWorkflowTask;
  const scheduledMs = Number(task?.scheduledTime?.seconds ?? 0) * 1000;
  if (task?.state === 1 /* SCHEDULED */ && scheduledMs > 0 && Date.now() - scheduledMs > UNPICKED_TASK_MS) {
    return waiting(`its workflow task has waited ${Math.round((Date.now() - scheduledMs) / 1000)} s on task queue "${taskQueue}" without a worker taking it`);
  }
  // A query needs a worker to answer; bounded so a busy one does not hang this command.
  const deadline = Date.now() + 10_000;
  if (type === 'backfillProfiles') {
    const { backfillProgressQuery } = await import('../../workflows/index.ts');
    const p = await client.connection.withDeadline(deadline, () => handle.query(backfillProgressQuery));
    out.progress = p;
    if (json) console.log(JSON.stringify(out, null, 2));
    else (await import('../backfill-status.ts')).printBackfillProgress(p);
    return;
  }
  const { progressQuery } = await import('../../workflows/index.ts');
  const { describeProgress, extractionProgress } = await import('../progress.ts');
  const p = await client.connection.withDeadline(deadline, () => handle.query(progressQuery)).catch((error: unknown) => {
    // Temporal lists a poller for minutes after it stopped: an unanswered query is the sure sign.
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      if ((e as { code?: unknown }).code === 4 /* DEADLINE_EXCEEDED */ || /DEADLINE_EXCEEDED/.test(e.message)) return undefined;
    }
    throw error;
  });
  if (!p) return waiting(`no worker answered its progress query within 10 s (task queue "${taskQueue}")`);
  const extraction = p.stage === 'extract' ? await extractionProgress(client, handle) : undefined;
  out.progress = extraction ? { ...p, extraction } : p;
  console.log(json ? JSON.stringify(out, null, 2) : describeProgress(p, extraction).join('\n'));
}
