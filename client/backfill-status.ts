import type { BackfillProgress, BackfillResult } from '../workflows/backfill-types.ts';
import { textTable } from './text-table.ts';

/** `personaflow status` of a running backfillProfiles workflow: its progress query. */
export function printBackfillProgress(p: BackfillProgress): void {
  console.log(`${p.completed} of ${p.total} runs published, ${p.failed} failed, running: ${p.running.join(', ') || 'none'}`);
  if (p.failures.length > 0) console.log(textTable(p.failures.map((f) => ({ as_of: f.asOf, error: f.error }))));
}

/** `personaflow status` of a finished backfillProfiles workflow: the versions it published. */
export function printBackfillResult(result: BackfillResult): void {
  console.log(`${result.completed} of ${result.total} runs published (continued as new ${result.continuedAsNew} times); latest:`);
  console.log(textTable([...result.published].sort((a, b) => a.asOf.localeCompare(b.asOf)).map((e) => ({ as_of: e.asOf, version: e.version }))));
}
