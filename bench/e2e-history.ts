// Stage timings of one profileRun, read from its Temporal histories (the run's
// and its extraction child's, across continue-as-new): what each stage took,
// how much of the wall time activities were executing, and the extraction plan.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time.js';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export const STAGES = ['load', 'extract', 'features', 'train', 'publish'] as const;
export type BenchStage = (typeof STAGES)[number];

/** The activity that is each stage (extract is the child workflow, timed from its start to its close). */
const STAGE_ACTIVITY: Record<Exclude<BenchStage, 'extract'>, string> = {
  load: 'loadSources',
  features: 'buildFeatures',
  train: 'trainSegments',
  publish: 'publishVersion',
};

export interface Interval {
  start: number;
  end: number;
}

export interface ActivityRun extends Interval {
  type: string;
  /** When the activity was scheduled (the stage's wall starts here: queueing counts). */
  scheduled: number;
  result: unknown;
  /** The worker that ran it (`<pid>@<host>`): which process took each extraction range. */
  identity?: string;
}

export interface RunTimings {
  /** Workflow start to close (or to now, for a run stopped early). */
  wall: Interval;
  stages: Partial<Record<BenchStage, Interval>>;
  activities: ActivityRun[];
  /** Union of the activities' execution intervals (parallel ranges counted once). */
  activeMs: number;
  /** Plain sum of execution times (the formula; above the wall when ranges overlap). */
  summedMs: number;
  plan?: { reviews: number; pendingGroups: number; pendingReviews: number; cacheHits: number };
}

async function events(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return history.events ?? [];
}

const at = (event: HistoryEvent): number => tsToMs(event.eventTime);

/** The completed activities of one history, with their execution intervals and decoded results. */
function activitiesOf(history: HistoryEvent[]): ActivityRun[] {
  const scheduled = new Map<number, { type: string; at: number }>();
  const started = new Map<number, { at: number; identity?: string }>();
  const runs: ActivityRun[] = [];
  for (const event of history) {
    const id = Number(event.eventId);
    const s = event.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(id, { type: s.activityType?.name ?? '?', at: at(event) });
    const st = event.activityTaskStartedEventAttributes;
    if (st) started.set(Number(st.scheduledEventId), { at: at(event), identity: st.identity ?? undefined });
    const done = event.activityTaskCompletedEventAttributes;
    if (done) {
      const key = Number(done.scheduledEventId);
      const sched = scheduled.get(key);
      const payload = done.result?.payloads?.[0];
      runs.push({
        type: sched?.type ?? '?',
        scheduled: sched?.at ?? at(event),
        start: started.get(key)?.at ?? at(event),
        end: at(event),
        result: payload ? defaultPayloadConverter.fromPayload(payload) : undefined,
        identity: started.get(key)?.identity,
      });
    }
  }
  return runs;
}

function unionMs(intervals: Interval[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let current: Interval | undefined;
  for (const i of sorted) {
    if (current && i.start <= current.end) current.end = Math.max(current.end, i.end);
    else {
      if (current) total += current.end - current.start;
      current = { ...i };
    }
  }
  return total + (current ? current.end - current.start : 0);
}

/** Reads the run's history and its extraction child's (every execution of it). */
export async function runTimings(client: Client, workflowId: string): Promise<RunTimings> {
  const parent = await events(client, workflowId);
  const activities = activitiesOf(parent);
  const first = parent[0];
  const close = parent.find((e) => e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes || e.workflowExecutionTerminatedEventAttributes);
  const wall = { start: first ? at(first) : Date.now(), end: close ? at(close) : Date.now() };

  const stages: RunTimings['stages'] = {};
  for (const [stage, type] of Object.entries(STAGE_ACTIVITY) as Array<[BenchStage, string]>) {
    const run = activities.find((a) => a.type === type);
    if (run) stages[stage] = { start: run.scheduled, end: run.end };
  }

  let plan: RunTimings['plan'];
  const childStart = parent.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
  const childStarted = parent.find((e) => e.childWorkflowExecutionStartedEventAttributes)?.childWorkflowExecutionStartedEventAttributes;
  const childClosed = parent.find((e) => e.childWorkflowExecutionCompletedEventAttributes || e.childWorkflowExecutionFailedEventAttributes);
  if (childStart) stages.extract = { start: at(childStart), end: childClosed ? at(childClosed) : Date.now() };
  // Follow the child through continue-as-new: each execution names the next.
  let child = childStarted?.workflowExecution;
  while (child?.workflowId && child.runId) {
    const history = await events(client, child.workflowId, child.runId);
    const runs = activitiesOf(history);
    activities.push(...runs);
    const planned = runs.find((a) => a.type === 'planReviewExtraction')?.result as RunTimings['plan'] | undefined;
    plan ??= planned;
    const next = history.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes;
    child = next?.newExecutionRunId ? { workflowId: child.workflowId, runId: next.newExecutionRunId } : undefined;
  }
  const executions = activities.map(({ start, end }) => ({ start, end }));
  return {
    wall,
    stages,
    activities,
    activeMs: unionMs(executions),
    summedMs: executions.reduce((n, i) => n + (i.end - i.start), 0),
    plan,
  };
}
