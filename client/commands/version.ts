import type { Command } from 'commander';
import { loadConfig, type Config } from '../../worker/config.ts';
import { textTable } from '../text-table.ts';
import { UsageError } from '../usage-error.ts';
import type { VersionPinResult } from '../../activities/retention-pins.ts';

const LIST_SQL = `
  SELECT v.version, v.as_of, v.published_at, v.customers, v.segments, v.workflow_id,
         (SELECT count(*) > 0 FROM pinned_versions p WHERE p.version = v.version) AS pinned,
         EXISTS (SELECT 1 FROM profiles p WHERE p.version = v.version) AS kept
  FROM profile_versions v ORDER BY v.version`;

/** `personaflow version list|pin|unpin`: published versions and which ones retention must keep. */
export function registerVersion(program: Command): void {
  const version = program.command('version');
  version
    .command('list')
    .description('every published version: as-of, size, pinned, still kept')
    .option('--json', 'print the rows as a JSON array')
    .action(async (options: { json?: boolean }) => {
      const { withOutputsSession } = await import('../outputs-reader.ts');
      const rows = await withOutputsSession(loadConfig().lake, (s) => s.all(LIST_SQL));
      console.log(options.json ? JSON.stringify(rows, null, 2) : textTable(rows));
    });
  version
    .command('pin')
    .argument('<n>', 'the version')
    .description('keep version n whatever PERSONAFLOW_KEEP_VERSIONS says')
    .action((n: string) => setPin(n, true));
  version
    .command('unpin')
    .argument('<n>', 'the version')
    .description('let retention remove version n again once it is old enough')
    .action((n: string) => setPin(n, false));
}

/**
 * Only the worker may write the warehouse, so the pin is a small workflow it
 * runs; served from this process when no worker process owns the file.
 */
async function setPin(n: string, pinned: boolean): Promise<void> {
  const version = Number(n);
  if (!Number.isInteger(version) || version < 1) throw new UsageError(`version ${n}: must be a positive integer`);
  const config = loadConfig();
  const result = await runOnWorker(config, { version, pinned });
  console.log(`version ${result.version} ${result.pinned ? 'pinned' : 'unpinned'}${result.changed ? '' : ' (already)'}`);
}

async function runOnWorker(config: Config, input: { version: number; pinned: boolean }): Promise<VersionPinResult> {
  const [{ connectClient, resolveTemporal }, { inProcessWorker }, { versionPin }] = await Promise.all([
    import('../temporal.ts'),
    import('../run-pipeline.ts'),
    import('../../workflows/index.ts'),
  ]);
  const endpoint = await resolveTemporal(config, { detached: true, log: console.error });
  const client = await connectClient(endpoint);
  try {
    const worker = await inProcessWorker(config, endpoint.address, () => undefined);
    const running = worker?.run();
    try {
      return await client.workflow.execute(versionPin, {
        taskQueue: config.taskQueue,
        workflowId: `version-${input.pinned ? 'pin' : 'unpin'}-${input.version}-${Date.now()}`,
        args: [input],
      });
    } finally {
      worker?.shutdown();
      await running;
    }
  } finally {
    await client.connection.close();
  }
}
