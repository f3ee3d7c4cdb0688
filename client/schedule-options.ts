import type { ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { ProfileRunInput } from '../workflows/types.ts';
import { UsageError } from './usage-error.ts';

/**
 * Turning `personaflow schedule create` options into Temporal ScheduleOptions.
 * Pure (no I/O) so the rules are testable without a server.
 */

/** CLI spelling (kebab-case) → Temporal's overlap policy. */
export const OVERLAP_POLICIES: Record<string, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  'buffer-one': 'BUFFER_ONE',
  'buffer-all': 'BUFFER_ALL',
  'cancel-other': 'CANCEL_OTHER',
  'terminate-other': 'TERMINATE_OTHER',
  'allow-all': 'ALLOW_ALL',
};

/**
 * Defaults for retraining: a run that is still going when the next one is due
 * makes the next one wait (buffer-one), so a slow run never piles up a queue
 * nor silently loses the newest as-of; after an outage, missed runs of the
 * last day are caught up, older ones are dropped (a backfill covers them).
 */
export const DEFAULT_OVERLAP = 'buffer-one';
export const DEFAULT_CATCHUP_WINDOW = '1 day';

export interface ScheduleCreateOptions {
  source: string;
  cron?: string;
  every?: string;
  timeZone: string;
  overlap: string;
  catchupWindow: string;
  jitter?: string;
  k?: number;
  paused?: boolean;
  note?: string;
}

export function overlapPolicy(name: string, flag = '--overlap'): ScheduleOverlapPolicy {
  const policy = OVERLAP_POLICIES[name];
  if (!policy) throw new UsageError(`${flag} ${name}: expected one of ${Object.keys(OVERLAP_POLICIES).join(', ')}`);
  return policy;
}

/** A duration such as "1 day", "6h", "30 minutes"; returned as Temporal accepts it. */
export function duration(value: string, flag: string): string {
  let ms: number;
  try {
    ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
  } catch {
    throw new UsageError(`${flag} "${value}": not a duration (examples: 30s, 15m, 6h, 1d, "2 days")`);
  }
  if (!(ms > 0)) throw new UsageError(`${flag} "${value}": must be longer than zero`);
  return value;
}

export function timeZone(value: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    throw new UsageError(`--time-zone "${value}": not an IANA time zone (examples: UTC, Europe/Berlin, America/New_York)`);
  }
  return value;
}

/** The schedule's workflow ids: Temporal appends the nominal time to this prefix. */
export function scheduledWorkflowId(scheduleId: string): string {
  return `profile-run-${scheduleId}`;
}

export function buildScheduleOptions(
  scheduleId: string,
  taskQueue: string,
  options: ScheduleCreateOptions,
): ScheduleOptions {
  if ((options.cron === undefined) === (options.every === undefined)) {
    throw new UsageError('give exactly one of --cron "<expression>" or --every <duration>');
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(scheduleId)) {
    throw new UsageError(`schedule id "${scheduleId}": use letters, digits, dot, dash and underscore`);
  }
  // The same JSON a user would type in the UI's Start Workflow form: no as-of,
  // so every run profiles its own nominal time (workflows/as-of.ts).
  const input: ProfileRunInput = { source: options.source, ...(options.k !== undefined ? { k: options.k } : {}) };
  return {
    scheduleId,
    spec: {
      ...(options.cron !== undefined
        ? { cronExpressions: [options.cron] }
        : { intervals: [{ every: duration(options.every!, '--every') }] }),
      timezone: timeZone(options.timeZone),
      ...(options.jitter !== undefined ? { jitter: duration(options.jitter, '--jitter') } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'profileRun',
      workflowId: scheduledWorkflowId(scheduleId),
      taskQueue,
      args: [input],
    },
    policies: {
      overlap: overlapPolicy(options.overlap),
      catchupWindow: duration(options.catchupWindow, '--catchup-window'),
    },
    state: { paused: options.paused ?? false, ...(options.note ? { note: options.note } : {}) },
    // The server compiles cron into calendar specs; keep the user's spelling for list/describe.
    memo: { spec: specLabel(options) },
  };
}

/** How the user wrote the timing: "cron 0 2 * * * (UTC)" or "every 6h". */
export function specLabel(options: Pick<ScheduleCreateOptions, 'cron' | 'every' | 'timeZone'>): string {
  return options.cron !== undefined ? `cron ${options.cron} (${options.timeZone})` : `every ${options.every}`;
}
