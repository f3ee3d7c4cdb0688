import type { WorkflowHandle } from '@temporalio/client';
import { backfillProgressQuery } from '../workflows/index.ts';
import type { BackfillResult } from '../workflows/backfill-types.ts';
import { textTable } from './text-table.ts';

/**
 * `personaflow status` for a backfillProfiles workflow: its progress query
 * while running, the published versions when done. Returns false when the
 * workflow neither runs nor completed (the caller prints the failure).
 */
export async function printBackfillStatus(handle: WorkflowHandle, status: string): Promise<boolean> {
  if (status === 'RUNNING') {
    const p = await handle.query(backfillProgressQuery);
    console.log(`${p.completed} of ${p.total} runs published, ${p.failed} failed, running: ${p.running.join(', ') || 'none'}`);
    if (p.failures.length > 0) console.log(textTable(p.failures.map((f) => ({ as_of: f.asOf, error: f.error }))));
    return true;
  }
  if (status === 'COMPLETED') {
    const result = (await handle.result()) as BackfillResult;
    console.log(`${result.completed} of ${result.total} runs published (continued as new ${result.continuedAsNew} times); latest:`);
    console.log(textTable([...result.published].sort((a, b) => a.asOf.localeCompare(b.asOf)).map((e) => ({ as_of: e.asOf, version: e.version }))));
    return true;
  }
  return false;
}
