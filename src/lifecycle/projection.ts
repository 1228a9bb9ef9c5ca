/**
 * docs/rules.md#policy-dry-run-and-timeline: what the engine will do to a workspace over the coming
 * days if nobody touches it. Event by event, not minute by minute: at each step the
 * candidate instants (the next autostart, the first tick after the deadline, the
 * reminder, dormancy, the autodelete warning, deletion, failed cleanup) give the earliest tick at which a rule
 * may fire; `decide` at that tick says what the engine does there, and the result is
 * applied to the snapshot as the tick and build completion would (bench/soak/oracle.ts
 * does the same minute by minute). Builds complete at once, and no activity happens.
 */

import { computeAutostop } from './autostop.js';
import { autostartTiming, type DeferredDecision, decideDeferred, type Reason, usableSchedule as scheduleOf } from './decide.js';
import { dormancyMarks } from './dormancy.js';
import { isJobActive } from './job-status.js';
import { autostartCache, tickCacheUpdate } from './next-start.js';
import type { BuildState, Transition, WorkspaceSnapshot, WorkspaceState } from './snapshot.js';
import { HOUR, MINUTE } from './time.js';

/** Said with every projection: the projection cannot know what people will do. */
export const PROJECTION_ASSUMPTION =
  'assuming no future activity: nobody uses, starts, stops or edits the workspace, and every build completes at once';

export type ProjectedKind = 'start' | 'stop' | 'reminder' | 'dormant' | 'delete-warning' | 'delete';

export interface ProjectedEvent {
  /** The tick at which the engine acts. */
  at: Date;
  kind: ProjectedKind;
  /** The build the tick makes, or null (a reminder, a dormancy mark without a build). */
  transition: Transition | null;
  /** The build's reason, or null. */
  reason: Reason | null;
  /** The decision's sentence: the rule and the instants it compared. */
  rule: string;
  /** What decided, as `rule` begins ('autostop', 'failed cleanup', 'autostop reminder', …). */
  by: string;
}

export interface ProjectionOptions {
  /** The owner's quiet hours (null = the deployment's default), for the max deadline of a start. */
  quietHoursSchedule: string | null;
  /** AUTOBUILD_DEFAULT_QUIET_HOURS; absent = the core's default. */
  defaultQuietHoursSchedule?: string;
  /** The stored `autostart_blocked` record (the tick rewrites it when it no longer holds). */
  autostartBlocked?: string | null;
  /** At most this many ticks are evaluated (default PROJECTION_MAX_STEPS). */
  maxSteps?: number;
}

export interface Projection {
  /** The first tick projected (`from` rounded up to the minute). */
  from: Date;
  /** Ticks before this instant are projected. */
  until: Date;
  events: ProjectedEvent[];
  /** True when the step bound ended the projection before `until`. */
  truncated: boolean;
}

/** Enough for a month of a schedule that fires every hour. */
export const PROJECTION_MAX_STEPS = 2000;

const FAILED_DELETE_RETRY_MS = 24 * HOUR;

const tickAtOrAfter = (instant: number) => Math.ceil(instant / MINUTE) * MINUTE;
const tickStrictlyAfter = (instant: number) => Math.floor(instant / MINUTE) * MINUTE + MINUTE;

export function project(snapshot: WorkspaceSnapshot, from: Date, until: Date, opts: ProjectionOptions): Projection {
  const start = tickAtOrAfter(from.getTime());
  const end = until.getTime();
  const maxSteps = opts.maxSteps ?? PROJECTION_MAX_STEPS;
  let s = completeActiveJob(snapshot, new Date(start), opts);
  let blocked = opts.autostartBlocked ?? null;
  const tracksTicks = snapshot.lastCompletedTick !== undefined;
  const events: ProjectedEvent[] = [];
  let cursor = start;
  let steps = 0;
  let truncated = false;
  for (;;) {
    // The first tick is always evaluated: it is where the engine fills a NULL next_start_at.
    const T = steps === 0 ? cursor : Math.max(cursor, nextCandidate(s, cursor));
    if (!(T < end)) break;
    if (steps >= maxSteps) {
      truncated = true;
      break;
    }
    steps++;
    const tick = new Date(T);
    // The engine ticks every minute: after the first projected tick, the last completed one is the minute before.
    if (tracksTicks && T > start) s = updated(s, { lastCompletedTick: new Date(T - MINUTE) });
    const decision = decideDeferred(s, tick);
    const applied = apply(s, blocked, decision, tick, opts);
    s = applied.snapshot;
    blocked = applied.blocked;
    if (applied.event !== null) events.push(applied.event);
    if (applied.deleted) break;
    cursor = T + MINUTE;
  }
  return { from: new Date(start), until, events, truncated };
}

/** The earliest tick at or after `cursor` at which some rule may apply; decide confirms it. */
function nextCandidate(s: WorkspaceSnapshot, cursor: number): number {
  const { latestBuild: build, latestJob: job, workspace: w, template: t } = s;
  const dormant = w.dormantAt !== null;
  const failed = job.status === 'failed';
  let best = Number.POSITIVE_INFINITY;
  const consider = (instant: number) => {
    if (instant < best) best = instant;
  };
  if (build.transition === 'start' && !failed && !dormant) {
    if (s.owner.status === 'suspended') consider(cursor);
    else if (build.deadline !== null) consider(tickStrictlyAfter(build.deadline.getTime()));
    const notify = t.autostopNotifyBeforeMs;
    const reminded = build.notifiedAutostopDeadline?.getTime() === build.deadline?.getTime();
    if (notify > 0 && build.deadline !== null && job.status === 'succeeded' && !reminded) {
      consider(tickAtOrAfter(build.deadline.getTime() - notify));
    }
  }
  if (build.transition === 'stop' && !failed && !dormant && s.owner.status === 'active') {
    const { schedule } = scheduleOf(s);
    if (schedule !== null) {
      try {
        consider(autostartTiming(s, schedule, new Date(cursor)).due.getTime());
      } catch {
        // No allowed occurrence within the search's reach: no autostart to project.
      }
    }
  }
  if (failed && t.failureTtlMs > 0 && build.transition !== 'delete' && job.completedAt !== null) {
    consider(tickStrictlyAfter(job.completedAt.getTime() + t.failureTtlMs));
  }
  if (!dormant && t.timeTilDormantMs > 0) consider(tickStrictlyAfter(w.lastUsedAt.getTime() + t.timeTilDormantMs));
  if (dormant && t.timeTilDormantAutodeleteMs > 0 && w.deletingAt !== null) {
    let at = tickStrictlyAfter(w.deletingAt.getTime());
    const finished = job.completedAt ?? job.canceledAt;
    if (build.transition === 'delete' && failed && finished !== null) {
      at = Math.max(at, tickStrictlyAfter(finished.getTime() + FAILED_DELETE_RETRY_MS));
    }
    consider(at);
    const warn = t.autodeleteNotifyBeforeMs ?? 0;
    if (warn > 0 && w.notifiedDeletingAt?.getTime() !== w.deletingAt.getTime()) consider(tickAtOrAfter(w.deletingAt.getTime() - warn));
  }
  return best;
}

interface Applied {
  snapshot: WorkspaceSnapshot;
  blocked: string | null;
  event: ProjectedEvent | null;
  deleted: boolean;
}

/** src/engine/evaluate.ts at T, then src/builds/complete-job.ts at T for the build it made (as bench/soak/oracle.ts). */
function apply(s: WorkspaceSnapshot, blocked: string | null, d: DeferredDecision, T: Date, opts: ProjectionOptions): Applied {
  if (d.transition === null && !d.markDormant) {
    let next = s;
    if (d.remind) next = updated(s, { latestBuild: updated(s.latestBuild, { notifiedAutostopDeadline: s.latestBuild.deadline }) });
    if (d.warnDelete) next = updated(next, { workspace: updated(next.workspace, { notifiedDeletingAt: s.workspace.deletingAt }) });
    const cache = tickCacheUpdate(s, blocked, T);
    if (cache !== null) {
      next = updated(next, { workspace: updated(next.workspace, { nextStartAt: cache.nextStartAt }) });
      blocked = cache.autostartBlocked;
    }
    const kind: ProjectedKind | null = d.remind ? 'reminder' : d.warnDelete ? 'delete-warning' : null;
    return { snapshot: next, blocked, event: kind === null ? null : new DecidedEvent(T, kind, d), deleted: false };
  }
  let workspace = s.workspace;
  if (d.markDormant) {
    const { dormantAt, deletingAt } = dormancyMarks(T, s.template);
    workspace = updated(workspace, { dormantAt, deletingAt, nextStartAt: null });
  } else if (d.transition === 'delete') {
    // A start or stop completes at T below, and its completion rewrites the whole cache: only a delete keeps the tick's.
    const cache = tickCacheUpdate(s, blocked, T);
    if (cache !== null) {
      workspace = updated(workspace, { nextStartAt: cache.nextStartAt });
      blocked = cache.autostartBlocked;
    }
  }
  const kind: ProjectedKind = d.markDormant
    ? 'dormant'
    : d.transition === 'delete'
      ? 'delete'
      : d.transition === 'start'
        ? 'start'
        : 'stop';
  const event = new DecidedEvent(T, kind, d);
  if (d.transition === null) return { snapshot: updated(s, { workspace }), blocked, event, deleted: false };
  const build: BuildState = {
    buildNumber: s.latestBuild.buildNumber + 1,
    transition: d.transition,
    createdAt: T,
    deadline: null,
    maxDeadline: null,
    notifiedAutostopDeadline: null,
  };
  const completed = complete(s, build, workspace, T, opts);
  return { snapshot: completed.snapshot, blocked: completed.blocked ?? blocked, event, deleted: d.transition === 'delete' };
}

/**
 * An event whose rule, the decision's sentence, is written on first read: a projection makes
 * hundreds of events and the dry-run reports few of them. Its JSON is the plain event's.
 */
class DecidedEvent implements ProjectedEvent {
  readonly transition: Transition | null;
  readonly reason: Reason | null;
  readonly by: string;
  #explain: (() => string) | null;
  #rule = '';

  constructor(
    readonly at: Date,
    readonly kind: ProjectedKind,
    d: DeferredDecision,
  ) {
    this.transition = d.transition;
    this.reason = d.reason;
    this.by = d.by ?? '';
    this.#explain = d.explain;
  }

  get rule(): string {
    if (this.#explain !== null) {
      this.#rule = this.#explain();
      this.#explain = null;
    }
    return this.#rule;
  }

  toJSON() {
    return { at: this.at, kind: this.kind, transition: this.transition, reason: this.reason, rule: this.rule };
  }
}

/**
 * `{ ...o, ...parts }`, not `{ ...o, key: value }`: Node 20's V8 defines literal properties that follow a
 * spread one by one on a slow path, which made these copies the projection's main cost.
 */
const updated = <T extends object>(o: T, parts: Partial<T>): T => ({ ...o, ...parts });

/**
 * `build` of workspace `workspace` (the snapshot's, or as the tick left it) succeeds at C: deadlines for
 * a start, the next_start_at cache for a start or stop. One copy of the snapshot holds it all.
 */
function complete(
  s: WorkspaceSnapshot,
  build: BuildState,
  workspace: WorkspaceState,
  C: Date,
  opts: ProjectionOptions,
): { snapshot: WorkspaceSnapshot; blocked: string | null | undefined } {
  const latestJob = { status: 'succeeded' as const, completedAt: C, canceledAt: null };
  if (build.transition === 'delete') {
    return {
      snapshot: updated(s, { latestBuild: build, latestJob, workspace: updated(workspace, { nextStartAt: null }) }),
      blocked: undefined,
    };
  }
  let latestBuild = build;
  if (latestBuild.transition === 'start') {
    const { deadline, maxDeadline } = computeAutostop({
      completedAt: C,
      workspace,
      template: s.template,
      quietHoursSchedule: opts.quietHoursSchedule,
      defaultQuietHoursSchedule: opts.defaultQuietHoursSchedule,
    });
    latestBuild = updated(latestBuild, { deadline, maxDeadline });
  }
  const cache = autostartCache(workspace, s.template, C, s.holidays);
  return {
    snapshot: updated(s, { latestBuild, latestJob, workspace: updated(workspace, { nextStartAt: cache.nextStartAt }) }),
    blocked: cache.autostartBlocked,
  };
}

/** A build still running when the projection starts is taken as completing at its first tick. */
function completeActiveJob(s: WorkspaceSnapshot, at: Date, opts: ProjectionOptions): WorkspaceSnapshot {
  if (!isJobActive(s.latestJob.status)) return s;
  if (s.latestJob.status === 'canceling') return updated(s, { latestJob: { status: 'canceled', completedAt: at, canceledAt: at } });
  return complete(s, s.latestBuild, s.workspace, at, opts).snapshot;
}
