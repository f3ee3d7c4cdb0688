import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import { loadConfig, type Config } from '../../worker/config.ts';
import { connectClient, existingTemporal, resolveTemporal, workerIsPolling } from '../temporal.ts';
import { UsageError } from '../usage-error.ts';
import { DataError } from '../cli-errors.ts';
import { textTable } from '../text-table.ts';
import {
  buildScheduleOptions,
  DEFAULT_CATCHUP_WINDOW,
  DEFAULT_OVERLAP,
  OVERLAP_POLICIES,
  overlapPolicy,
  type ScheduleCreateOptions,
} from '../schedule-options.ts';

/**
 * `personaflow schedule ...`: Temporal Schedules that start profileRun. Each
 * scheduled run profiles its nominal time (TemporalScheduledStartTime), so a
 * run that starts late, is triggered, or is backfilled profiles the right day.
 */
export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule');

  schedule
    .command('create')
    .description('create a schedule (cron or interval) that runs the pipeline on a folder')
    .argument('<scheduleId>')
    .requiredOption('--source <folder>', 'folder with the source tables')
    .option('--cron <expression>', 'cron expression, e.g. "0 2 * * *" (02:00 every day)')
    .option('--every <duration>', 'interval instead of cron, e.g. 6h, 1d')
    .option('--time-zone <zone>', 'IANA time zone the cron expression is read in', 'UTC')
    .option('--overlap <policy>', `when the previous run is still going: ${Object.keys(OVERLAP_POLICIES).join(', ')}`, DEFAULT_OVERLAP)
    .option('--catchup-window <duration>', 'after an outage, run missed times this recent', DEFAULT_CATCHUP_WINDOW)
    .option('--jitter <duration>', 'start each run up to this much later (spreads load)')
    .option('--k <n>', 'fix the number of segments')
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note shown with the schedule')
    .action((id: string, options: CreateFlags) => withClient((client, config) => create(client, config, id, options), { start: true }));

  schedule
    .command('list')
    .description('list schedules')
    .option('--json', 'print the schedules as a JSON array')
    .action((options: { json?: boolean }) => withClient((client) => list(client, options.json ?? false)));

  schedule
    .command('describe')
    .description("a schedule's spec, input, policies, state, recent and next runs")
    .argument('<scheduleId>')
    .option('--json', 'print the description as JSON')
    .action((id: string, options: { json?: boolean }) =>
      withClient(async (client) => describe(await existing(client, id), options.json ?? false)),
    );

  schedule
    .command('pause')
    .argument('<scheduleId>')
    .option('--note <text>', 'why')
    .action((id: string, options: { note?: string }) =>
      withClient(async (client) => {
        await (await existing(client, id)).pause(options.note);
        console.log(`paused ${id}`);
      }),
    );

  schedule
    .command('unpause')
    .argument('<scheduleId>')
    .option('--note <text>', 'why')
    .action((id: string, options: { note?: string }) =>
      withClient(async (client) => {
        await (await existing(client, id)).unpause(options.note);
        console.log(`unpaused ${id}`);
      }),
    );

  schedule
    .command('trigger')
    .description('start a run now (its as-of is the trigger time)')
    .argument('<scheduleId>')
    .option('--overlap <policy>', 'overlap policy for this run (default: allow-all, it runs even if another is going)', 'allow-all')
    .action((id: string, options: { overlap: string }) =>
      withClient(async (client) => {
        await (await existing(client, id)).trigger(overlapPolicy(options.overlap));
        console.log(`triggered ${id}`);
      }),
    );

  schedule
    .command('delete')
    .argument('<scheduleId>')
    .description('delete a schedule (runs already started keep going)')
    .action((id: string) =>
      withClient(async (client) => {
        await (await existing(client, id)).delete();
        console.log(`deleted ${id}`);
      }),
    );

  schedule
    .command('backfill')
    .description('run the schedule for its past nominal times in [from, to); each run profiles its own time')
    .argument('<scheduleId>')
    .requiredOption('--from <time>', 'ISO 8601 start (inclusive)')
    .requiredOption('--to <time>', 'ISO 8601 end (exclusive)')
    .option('--overlap <policy>', 'how backfilled runs overlap (default: buffer-all, one after another)', 'buffer-all')
    .action((id: string, options: { from: string; to: string; overlap: string }) =>
      withClient(async (client) => {
        const start = isoTime(options.from, '--from');
        const end = isoTime(options.to, '--to');
        if (end <= start) throw new UsageError(`--to ${options.to} must be after --from ${options.from}`);
        await (await existing(client, id)).backfill({ start, end, overlap: overlapPolicy(options.overlap) });
        console.log(`backfill of ${id} from ${start.toISOString()} to ${end.toISOString()} requested`);
      }),
    );
}

/** The options as commander hands them over: like ScheduleCreateOptions, with k still text. */
type CreateFlags = Omit<ScheduleCreateOptions, 'k'> & { k?: string };

/** Only `create` may start the embedded server; the others need one that runs (a schedule lives there). */
async function withClient(work: (client: Client, config: Config) => Promise<void>, options: { start?: boolean } = {}): Promise<void> {
  const config = loadConfig();
  const endpoint = options.start ? await resolveTemporal(config, { detached: true, log: console.error }) : await existingTemporal(config);
  const client = await connectClient(endpoint);
  try {
    await work(client, config);
  } finally {
    await client.connection.close();
  }
}

async function create(client: Client, config: Config, id: string, flags: CreateFlags): Promise<void> {
  const source = resolve(flags.source);
  if (!existsSync(source)) throw new UsageError(`--source ${flags.source}: no such folder`);
  const k = flags.k === undefined ? undefined : Number(flags.k);
  if (k !== undefined && (!Number.isInteger(k) || k < 2)) throw new UsageError(`--k ${flags.k}: must be an integer >= 2`);
  const options = buildScheduleOptions(id, config.taskQueue, { ...flags, source, k });
  await client.schedule.create(options).catch((error: unknown) => {
    if (error instanceof ScheduleAlreadyRunning) throw new DataError(`a schedule with id ${id} already exists`);
    throw error;
  });
  console.log(`created schedule ${id}`);
  if (!(await workerIsPolling(client, config.taskQueue))) {
    console.error(`note: no worker polls task queue "${config.taskQueue}"; runs wait until \`npx personaflow worker\` is running`);
  }
}

async function existing(client: Client, id: string): Promise<ScheduleHandle> {
  const handle = client.schedule.getHandle(id);
  await handle.describe().catch((error: unknown) => {
    if (error instanceof ScheduleNotFoundError) throw new DataError(`no schedule with id ${id}`);
    throw error;
  });
  return handle;
}

async function list(client: Client, json: boolean): Promise<void> {
  const rows: Array<Record<string, unknown>> = [];
  for await (const s of client.schedule.list()) {
    rows.push({
      schedule: s.scheduleId,
      paused: s.state.paused ? 'yes' : 'no',
      spec: specText(s.spec, s.memo),
      next: s.info.nextActionTimes[0],
      last_run: s.info.recentActions.at(-1)?.action.workflow.workflowId ?? '',
    });
  }
  console.log(json ? JSON.stringify(rows.map((r) => ({ ...r, paused: r.paused === 'yes' })), null, 2) : textTable(rows));
}

function describe(handle: ScheduleHandle, json: boolean): Promise<void> {
  return handle.describe().then((d: ScheduleDescription) => {
    const summary = {
      scheduleId: d.scheduleId,
      spec: specText(d.spec, d.memo),
      timeZone: d.spec.timezone ?? 'UTC',
      jitterMs: d.spec.jitter ?? 0,
      workflowType: d.action.workflowType,
      taskQueue: d.action.taskQueue,
      input: d.action.args?.[0],
      overlap: d.policies.overlap,
      catchupWindowMs: d.policies.catchupWindow,
      paused: d.state.paused,
      note: d.state.note ?? '',
      recentRuns: d.info.recentActions.map((a) => ({ nominal: a.scheduledAt, started: a.takenAt, workflowId: a.action.workflow.workflowId })),
      nextRuns: d.info.nextActionTimes,
    };
    console.log(json ? JSON.stringify(summary, null, 2) : describeText(summary));
  });
}

function describeText(s: {
  recentRuns: Array<Record<string, unknown>>;
  nextRuns: Date[];
  [key: string]: unknown;
}): string {
  const { recentRuns, nextRuns, ...rest } = s;
  const lines = Object.entries(rest).map(([k, v]) => `${`${k}:`.padEnd(17)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return [
    ...lines,
    `next runs:        ${nextRuns.map((t) => t.toISOString()).join(', ')}`,
    '',
    'recent runs:',
    textTable(recentRuns),
  ].join('\n');
}

/** The user's spelling from the memo (schedules made by this CLI), else a rough description. */
function specText(spec: ScheduleDescription['spec'] | undefined, memo: Record<string, unknown> | undefined): string {
  if (typeof memo?.spec === 'string') return memo.spec;
  const parts: string[] = [];
  for (const i of spec?.intervals ?? []) parts.push(`every ${Math.round(Number(i.every) / 1000)} s`);
  if ((spec?.calendars?.length ?? 0) > 0) parts.push(`${spec!.calendars!.length} calendar spec(s)`);
  return parts.join('; ');
}

function isoTime(value: string, flag: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${flag} "${value}" is not an ISO 8601 time`);
  return date;
}
