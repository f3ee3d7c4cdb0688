import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig } from '../../worker/config.ts';
import { connectClient, resolveTemporal, workflowUrl } from '../temporal.ts';
import { progressQuery } from '../../workflows/index.ts';
import { formatRunSummary } from '../summary.ts';
import type { ProfileRunResult } from '../../workflows/types.ts';
import { DataError } from '../cli-errors.ts';
import { printBackfillStatus } from '../backfill-status.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const config = loadConfig();
      const endpoint = await resolveTemporal(config, { detached: true, log: console.error });
      const client = await connectClient(endpoint);
      try {
        const handle = client.workflow.getHandle(workflowId);
        const description = await handle.describe().catch((error: unknown) => {
          if (error instanceof WorkflowNotFoundError) throw new DataError(`no workflow with id ${workflowId}`);
          throw error;
        });
        const url = workflowUrl(endpoint, workflowId);
        console.log(`workflow ${workflowId}: ${description.status.name}${url ? `  (${url})` : ''}`);
        if (description.type === 'backfillProfiles' && (await printBackfillStatus(handle, description.status.name))) {
          return;
        } else if (description.status.name === 'RUNNING') {
          console.log(JSON.stringify(await handle.query(progressQuery), null, 2));
        } else if (description.status.name === 'COMPLETED') {
          console.log(formatRunSummary((await handle.result()) as ProfileRunResult, config.outputsPath, url));
        } else {
          await handle.result().catch((error: unknown) => {
            let e = error as Error;
            while (e.cause instanceof Error) e = e.cause;
            console.log(`failed: ${e.message}`);
          });
        }
      } finally {
        await client.connection.close();
      }
    });
}
