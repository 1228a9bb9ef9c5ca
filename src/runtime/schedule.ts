// The per-minute Temporal Schedule that starts the tick workflow, created or
// updated idempotently at every start of the service, and the helpers behind
// the CLI's `schedule status|pause|resume`.
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleDescription,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { TickInput } from '../workflows/tick.js';

export const TICK_SCHEDULE_ID = 'autobuild-tick';
/** Scheduled runs are named `<prefix>-<nominal time>` by the server, e.g. `tick/scheduled-2024-03-04T09:00:00Z`. */
export const SCHEDULED_TICK_WORKFLOW_ID = 'tick/scheduled';
/**
 * How far back missed minutes are still run after an outage. Short on purpose:
 * the first tick after recovery performs everything due by state (docs/rules.md#concurrency-and-exactly-once),
 * so replaying hundreds of missed minutes would only repeat it. (The server's
 * minimum is 10 s.)
 */
export const TICK_CATCHUP_WINDOW_MS = 2 * 60_000;

export interface TickScheduleOptions {
  pageSize?: number;
  batchSize?: number;
  /** Default TICK_SCHEDULE_ID; another id lets several engines (task queues) share a namespace, and tests. */
  scheduleId?: string;
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

function desired(taskQueue: string, opts: Omit<TickScheduleOptions, 'scheduleId'>) {
  const args: [TickInput] = [
    { ...(opts.pageSize ? { pageSize: opts.pageSize } : {}), ...(opts.batchSize ? { batchSize: opts.batchSize } : {}) },
  ];
  return {
    spec: { intervals: [{ every: '1 minute' as const }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'tick',
      workflowId: SCHEDULED_TICK_WORKFLOW_ID,
      taskQueue,
      args,
      staticSummary: 'autobuild tick: evaluate every workspace due this minute',
    },
    policies: {
      // A tick that comes while a long tick runs waits for it; later ones are skipped and counted.
      overlap: ScheduleOverlapPolicy.BUFFER_ONE,
      catchupWindow: TICK_CATCHUP_WINDOW_MS,
      pauseOnFailure: false,
    },
  };
}

/**
 * Creates the tick schedule, or brings an existing one's spec, action and
 * policies up to date without touching its state (paused, note) or history.
 * Several concurrent calls leave exactly one schedule.
 */
export async function ensureTickSchedule(client: Client, taskQueue: string, opts: TickScheduleOptions = {}): Promise<EnsureOutcome> {
  const want = desired(taskQueue, opts);
  const scheduleId = opts.scheduleId ?? TICK_SCHEDULE_ID;
  try {
    await client.schedule.create({ scheduleId, ...want, state: { note: 'created by autobuild at start' } });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  if (upToDate(await handle.describe(), want)) return 'unchanged';
  await handle.update((prev) => ({
    ...prev,
    spec: want.spec,
    action: want.action,
    policies: want.policies,
    state: { paused: prev.state.paused, note: prev.state.note, remainingActions: prev.state.remainingActions },
  }));
  return 'updated';
}

function upToDate(d: ScheduleDescription, want: ReturnType<typeof desired>): boolean {
  const a = d.action;
  return (
    d.spec.intervals?.length === 1 &&
    d.spec.intervals[0]!.every === 60_000 &&
    (d.spec.calendars?.length ?? 0) === 0 &&
    a.type === 'startWorkflow' &&
    a.workflowType === want.action.workflowType &&
    a.workflowId === want.action.workflowId &&
    a.taskQueue === want.action.taskQueue &&
    JSON.stringify(a.args ?? []) === JSON.stringify(want.action.args) &&
    d.policies.overlap === want.policies.overlap &&
    d.policies.catchupWindow === want.policies.catchupWindow
  );
}

export interface TickScheduleStatus {
  scheduleId: string;
  paused: boolean;
  note: string | null;
  taskQueue: string;
  /** Most recent runs, oldest first: nominal time and workflow id. */
  recentActions: Array<{ scheduledAt: string; takenAt: string; workflowId: string }>;
  nextActionTimes: string[];
  runningWorkflowIds: string[];
  numActionsTaken: number;
  numActionsSkippedOverlap: number;
  numActionsMissedCatchupWindow: number;
  overlap: string;
  catchupWindowMs: number;
}

/** null when the schedule does not exist (the service never started against this namespace). */
export async function describeTickSchedule(client: Client, scheduleId = TICK_SCHEDULE_ID): Promise<TickScheduleStatus | null> {
  let d: ScheduleDescription;
  try {
    d = await client.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
  return {
    scheduleId: d.scheduleId,
    paused: d.state.paused,
    note: d.state.note ?? null,
    taskQueue: d.action.taskQueue ?? '',
    recentActions: d.info.recentActions.map((r) => ({
      scheduledAt: r.scheduledAt.toISOString(),
      takenAt: r.takenAt.toISOString(),
      workflowId: r.action.workflow.workflowId,
    })),
    nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
    runningWorkflowIds: d.info.runningActions.map((r) => r.workflow.workflowId),
    numActionsTaken: d.info.numActionsTaken,
    numActionsSkippedOverlap: d.info.numActionsSkippedOverlap,
    numActionsMissedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    overlap: d.policies.overlap ?? 'SKIP',
    catchupWindowMs: d.policies.catchupWindow,
  };
}

export async function pauseTickSchedule(client: Client, note = 'paused by an operator', scheduleId = TICK_SCHEDULE_ID): Promise<void> {
  await client.schedule.getHandle(scheduleId).pause(note);
}

export async function resumeTickSchedule(client: Client, note = 'resumed by an operator', scheduleId = TICK_SCHEDULE_ID): Promise<void> {
  await client.schedule.getHandle(scheduleId).unpause(note);
}
