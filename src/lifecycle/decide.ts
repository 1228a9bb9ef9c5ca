/**
 * docs/rules.md#the-decision: what the tick does with one workspace. Each rule is a small pure
 * predicate that also says why; `decide` orders them, first match wins.
 */
import { isEligibleForDeleteWarning } from './autodelete-warning.js';
import { nextAllowedAutostart } from './autostart.js';
import {
  autostartHeld,
  autostartHoldPrefix,
  constrainedAutostartTiming,
  nextPermittedAutostart,
  snapshotConstraints,
} from './autostart-constraints.js';
import { catchupVerdict } from './catchup.js';
import { formatDuration } from './duration.js';
import { parseWeeklySchedule, type WeeklySchedule } from './schedule.js';
import type { TemplatePolicy, Transition, WorkspaceSnapshot, WorkspaceState } from './snapshot.js';
import { HOUR, iso, MINUTE, truncateToMinute } from './time.js';
import { formatWeekdayList } from './weekday.js';

export type Reason = 'autostart' | 'autostop' | 'dormancy' | 'autodelete';

export interface Decision {
  transition: Transition | null;
  reason: Reason | null;
  markDormant: boolean;
  remind: boolean;
  /** docs/rules.md#autodelete-warning: send the warning before autodelete. Present only when true, so decisions without it read as before. */
  warnDelete?: true;
  /** One sentence naming the rule and the instants it compared (ISO, UTC). */
  explanation: string;
  /** docs/rules.md#catch-up-after-downtime: a due autostart the template's catch-up policy skips; absent otherwise. */
  catchupSkipped?: true;
}

/**
 * Whether a rule applies at `T`, and a clause that says why (or why not). The clause is written
 * only when read: a projection (docs/rules.md#policy-dry-run-and-timeline) decides thousands of
 * ticks and shows few of their sentences.
 */
interface Verdict {
  readonly eligible: boolean;
  readonly because: () => string;
  /** Due, but skipped by the catch-up policy (docs/rules.md#catch-up-after-downtime). */
  readonly catchupSkipped?: true;
}

const yes = (because: () => string): Verdict => ({ eligible: true, because });
const no = (because: () => string): Verdict => ({ eligible: false, because });

const FAILED_DELETE_RETRY_MS = 24 * HOUR;
const ACTIVE_USER_MS = 15 * MINUTE;

const isDormant = (s: WorkspaceSnapshot) => s.workspace.dormantAt !== null;
const jobFailed = (s: WorkspaceSnapshot) => s.latestJob.status === 'failed';

/** docs/rules.md#autostop */
function isEligibleForAutostop(s: WorkspaceSnapshot, T: Date): Verdict {
  if (jobFailed(s)) return no(() => 'the latest job failed');
  if (isDormant(s)) return no(() => 'the workspace is dormant');
  if (s.latestBuild.transition !== 'start') return no(() => `the latest transition is ${s.latestBuild.transition}, not start`);
  if (s.owner.status === 'suspended') return yes(() => `the owner is suspended at tick ${iso(T)}`);
  const { deadline } = s.latestBuild;
  if (deadline === null) return no(() => 'the running build has no deadline');
  return deadline < T
    ? yes(() => `deadline ${iso(deadline)} passed before tick ${iso(T)}`)
    : no(() => `deadline ${iso(deadline)} is not before tick ${iso(T)}`);
}

type ScheduleSource = {
  workspace: Pick<WorkspaceState, 'autostartSchedule'>;
  template: Pick<TemplatePolicy, 'allowUserAutostart' | 'autostartAllowedDays'>;
};

/**
 * docs/rules.md#the-next_start_at-cache: why this workspace's autostart can never fire, or null when it
 * can. An unparsable schedule is an error to report; the others are skips.
 */
export function autostartBlockReason(s: ScheduleSource): string | null {
  return usableSchedule(s).blocked;
}

/** The workspace's schedule when autostart can fire, or why it never can. */
export function usableSchedule(s: ScheduleSource): { schedule: WeeklySchedule; blocked: null } | { schedule: null; blocked: string } {
  const spec = s.workspace.autostartSchedule;
  if (spec === null) return { schedule: null, blocked: 'no autostart schedule is set' };
  let schedule: WeeklySchedule;
  try {
    schedule = parseWeeklySchedule(spec);
  } catch (error) {
    return { schedule: null, blocked: `the autostart schedule does not parse: ${(error as Error).message}` };
  }
  if (!s.template.allowUserAutostart) return { schedule: null, blocked: 'the template disallows autostart' };
  if (!hasAllowedOccurrence(schedule, s.template.autostartAllowedDays)) {
    return {
      schedule: null,
      blocked: `the schedule "${spec}" has no occurrence on an allowed day (${formatWeekdayList(s.template.autostartAllowedDays)})`,
    };
  }
  return { schedule, blocked: null };
}

function hasAllowedOccurrence(schedule: WeeklySchedule, days: TemplatePolicy['autostartAllowedDays']): boolean {
  return schedule.weekdays.some((day) => days.includes(day));
}

/**
 * When autostart is due: the later of the stored `next_start_at` and the first
 * allowed occurrence after the latest build. A NULL `next_start_at` is taken as
 * the first allowed occurrence after T (docs/rules.md#where-autobuild-differs-from-coder),
 * so it never starts on that tick. `decide` and `preview` both ask this.
 */
export interface AutostartTiming {
  due: Date;
  /** `next_start_at`, or its recomputed value when unset. */
  nextStart: Date;
  afterBuild: Date;
  cached: boolean;
}

export function autostartTiming(s: WorkspaceSnapshot, schedule: WeeklySchedule, T: Date): AutostartTiming {
  // docs/rules.md#pause-and-skip, docs/rules.md#holiday-calendars: only when one of them is in use.
  const constraints = snapshotConstraints(s);
  if (constraints !== null) return constrainedAutostartTiming(s, schedule, T, constraints);
  const days = s.template.autostartAllowedDays;
  const afterBuild = nextAllowedAutostart(schedule, s.latestBuild.createdAt, days);
  const cached = s.workspace.nextStartAt;
  const nextStart = cached ?? nextAllowedAutostart(schedule, T, days);
  const due = nextStart.getTime() >= afterBuild.getTime() ? nextStart : afterBuild;
  return { due, nextStart, afterBuild, cached: cached !== null };
}

function isEligibleForAutostart(s: WorkspaceSnapshot, T: Date): Verdict {
  if (s.owner.status !== 'active') return no(() => `the owner is ${s.owner.status}`);
  if (jobFailed(s)) return no(() => 'the latest build failed, so autostart waits for a person or failed cleanup');
  if (isDormant(s)) return no(() => 'the workspace is dormant');
  if (s.latestBuild.transition !== 'stop') return no(() => `the latest transition is ${s.latestBuild.transition}, not stop`);
  const { schedule, blocked } = usableSchedule(s);
  if (schedule === null) return no(() => blocked);
  const held = autostartHeld(s, schedule, T);
  if (held !== null) return no(() => held);
  const { due, nextStart, cached } = autostartTiming(s, schedule, T);
  const compared = () => (cached ? `next autostart ${iso(due)}` : `next_start_at (unset, recomputed from the tick as ${iso(nextStart)})`);
  if (T < due) return no(() => `${autostartHoldPrefix(s, schedule, T, due)}${compared()} is after tick ${iso(T)}`);
  const catchup = catchupVerdict(s, due, T, () => {
    // The next autostart the skip leaves: with pauses, skips and holidays when in use, as the cache stores it.
    const constraints = snapshotConstraints(s);
    const permitted = constraints === null ? null : nextPermittedAutostart(schedule, T, constraints).at;
    return permitted ?? nextAllowedAutostart(schedule, T, s.template.autostartAllowedDays);
  });
  if (catchup?.skipped) return { eligible: false, because: () => catchup.because, catchupSkipped: true };
  return yes(() => `${compared()} is not after tick ${iso(T)}${catchup ? ` (${catchup.because})` : ''}`);
}

/** docs/rules.md#failed-cleanup */
function isEligibleForFailedCleanup(s: WorkspaceSnapshot, T: Date): Verdict {
  const ttl = s.template.failureTtlMs;
  if (ttl <= 0) return no(() => 'failure cleanup is off');
  if (!jobFailed(s)) return no(() => 'the latest job did not fail');
  if (s.latestBuild.transition === 'delete') return no(() => 'the failed build is a delete');
  const { completedAt } = s.latestJob;
  if (completedAt === null) return no(() => 'the failed job has not completed');
  const what = () => `failed ${s.latestBuild.transition} build completed at ${iso(completedAt)}`;
  return T.getTime() - completedAt.getTime() > ttl
    ? yes(() => `${what()}, more than the failure TTL ${formatDuration(ttl)} before tick ${iso(T)}`)
    : no(() => `${what()}, not more than the failure TTL ${formatDuration(ttl)} before tick ${iso(T)}`);
}

/** docs/rules.md#dormancy */
function isEligibleForDormancy(s: WorkspaceSnapshot, T: Date): Verdict {
  const ttd = s.template.timeTilDormantMs;
  if (isDormant(s)) return no(() => 'the workspace is already dormant');
  if (ttd <= 0) return no(() => 'dormancy is off');
  const lastUsed = s.workspace.lastUsedAt;
  return T.getTime() - lastUsed.getTime() > ttd
    ? yes(() => `last used ${iso(lastUsed)}, more than ${formatDuration(ttd)} before tick ${iso(T)}`)
    : no(() => `last used ${iso(lastUsed)}, not more than ${formatDuration(ttd)} before tick ${iso(T)}`);
}

/** docs/rules.md#autodelete */
function isEligibleForAutodelete(s: WorkspaceSnapshot, T: Date): Verdict {
  if (!isDormant(s)) return no(() => 'the workspace is not dormant');
  if (s.template.timeTilDormantAutodeleteMs <= 0) return no(() => 'the workspace is dormant and autodelete is off');
  const { deletingAt } = s.workspace;
  if (deletingAt === null) return no(() => 'the workspace is dormant without a deletion date');
  if (!(T > deletingAt)) return no(() => `deleting_at ${iso(deletingAt)} is not before tick ${iso(T)}`);
  if (s.latestBuild.transition === 'delete' && jobFailed(s)) {
    const finished = s.latestJob.completedAt ?? s.latestJob.canceledAt;
    if (finished === null) return no(() => 'the failed delete build has not finished');
    if (!(T.getTime() - finished.getTime() > FAILED_DELETE_RETRY_MS)) {
      return no(() => `the failed delete build finished at ${iso(finished)}, not more than 24h before tick ${iso(T)}`);
    }
  }
  return yes(() => `deleting_at ${iso(deletingAt)} passed before tick ${iso(T)}`);
}

/** docs/rules.md#autostop-reminder, checked only when no rule matched. */
function isEligibleForReminder(s: WorkspaceSnapshot, T: Date): Verdict {
  const notifyBefore = s.template.autostopNotifyBeforeMs;
  const { deadline, maxDeadline, notifiedAutostopDeadline } = s.latestBuild;
  if (notifyBefore <= 0) return no(() => 'reminders are off');
  if (s.latestBuild.transition !== 'start' || s.latestJob.status !== 'succeeded') return no(() => 'the workspace is not running');
  if (s.owner.status === 'suspended' || isDormant(s)) return no(() => 'the owner is suspended or the workspace is dormant');
  if (deadline === null) return no(() => 'there is no deadline');
  const windowEnd = T.getTime() + notifyBefore;
  if (!(deadline > T && deadline.getTime() <= windowEnd)) {
    return no(() => `deadline ${iso(deadline)} is not within ${formatDuration(notifyBefore)} after tick ${iso(T)}`);
  }
  if (notifiedAutostopDeadline !== null && notifiedAutostopDeadline.getTime() === deadline.getTime()) {
    return no(() => `deadline ${iso(deadline)} was already reminded`);
  }
  const userActive = T.getTime() - s.workspace.lastUsedAt.getTime() < ACTIVE_USER_MS;
  const bumpable = s.template.activityBumpMs > 0 && (maxDeadline === null || maxDeadline.getTime() > windowEnd);
  if (userActive && bumpable) {
    return no(() => `the owner was active at ${iso(s.workspace.lastUsedAt)} and activity can still bump deadline ${iso(deadline)}`);
  }
  return yes(() => `deadline ${iso(deadline)} is within ${formatDuration(notifyBefore)} after tick ${iso(T)}`);
}

type Action = Pick<Decision, 'transition' | 'reason' | 'markDormant'>;

interface Rule {
  readonly name: string;
  readonly check: (s: WorkspaceSnapshot, T: Date) => Verdict;
  readonly action: (s: WorkspaceSnapshot) => Action;
}

/** docs/rules.md#the-decision, in order: the first eligible rule decides. */
const RULES: readonly Rule[] = [
  { name: 'autostop', check: isEligibleForAutostop, action: () => ({ transition: 'stop', reason: 'autostop', markDormant: false }) },
  { name: 'autostart', check: isEligibleForAutostart, action: () => ({ transition: 'start', reason: 'autostart', markDormant: false }) },
  {
    name: 'failed cleanup',
    check: isEligibleForFailedCleanup,
    action: () => ({ transition: 'stop', reason: 'autostop', markDormant: false }),
  },
  {
    name: 'dormancy',
    check: isEligibleForDormancy,
    // A running workspace (whatever its job's status) is stopped; otherwise only marked.
    action: (s) => ({ transition: s.latestBuild.transition === 'start' ? 'stop' : null, reason: 'dormancy', markDormant: true }),
  },
  {
    name: 'autodelete',
    check: isEligibleForAutodelete,
    action: () => ({ transition: 'delete', reason: 'autodelete', markDormant: false }),
  },
];

export function decide(snapshot: WorkspaceSnapshot, tick: Date): Decision {
  const { explain, by: _by, catchupSkipped, ...action } = decideDeferred(snapshot, tick);
  // The fields in the order the engine has always recorded them.
  const decision: Decision = { ...action, explanation: explain() };
  if (catchupSkipped) decision.catchupSkipped = true;
  return decision;
}

/**
 * A decision whose sentence is written only when asked for: `decide` asks at once; a projection
 * (docs/rules.md#policy-dry-run-and-timeline) decides thousands of ticks and reads few sentences.
 */
export interface DeferredDecision extends Omit<Decision, 'explanation'> {
  /** What decided, as its sentence begins: a rule's name, 'autodelete warning', 'autostop reminder', or null. */
  readonly by: string | null;
  /** The sentence `decide` gives as the explanation. */
  readonly explain: () => string;
}

export function decideDeferred(snapshot: WorkspaceSnapshot, tick: Date): DeferredDecision {
  const T = truncateToMinute(tick);
  let caughtUp: Verdict | null = null;
  for (const rule of RULES) {
    const verdict = rule.check(snapshot, T);
    if (verdict.eligible) {
      // Field by field: in Node 20, `{ ...action, remind, … }` cost more than the rest of the decision.
      const { transition, reason, markDormant } = rule.action(snapshot);
      return { transition, reason, markDormant, remind: false, by: rule.name, explain: () => `${rule.name}: ${verdict.because()}` };
    }
    if (verdict.catchupSkipped) caughtUp = verdict;
  }
  // A skipped catch-up is the decision when no later rule applies (a stopped workspace gets no reminder).
  if (caughtUp !== null) {
    return { transition: null, reason: null, markDormant: false, remind: false, by: null, explain: caughtUp.because, catchupSkipped: true };
  }
  const idle = () => `no rule matched: ${whyNothing(snapshot, T)}`;
  const warning = isEligibleForDeleteWarning(snapshot, T);
  if (warning.eligible) {
    const explain = () => `autodelete warning: ${warning.because} (${idle()})`;
    return { transition: null, reason: null, markDormant: false, remind: false, warnDelete: true, by: 'autodelete warning', explain };
  }
  const reminder = isEligibleForReminder(snapshot, T);
  if (!reminder.eligible) return { transition: null, reason: null, markDormant: false, remind: false, by: null, explain: idle };
  const explain = () => `autostop reminder: ${reminder.because()} (${idle()})`;
  return { transition: null, reason: null, markDormant: false, remind: true, by: 'autostop reminder', explain };
}

/** The clause of the rule closest to firing for this workspace's state. */
function whyNothing(s: WorkspaceSnapshot, T: Date): string {
  let main: Verdict;
  if (isDormant(s)) main = isEligibleForAutodelete(s, T);
  else if (jobFailed(s)) main = isEligibleForFailedCleanup(s, T);
  else if (s.latestBuild.transition === 'start') main = isEligibleForAutostop(s, T);
  else if (s.latestBuild.transition === 'stop') main = isEligibleForAutostart(s, T);
  else return 'the latest transition is delete';
  const dormancy = isDormant(s) || s.template.timeTilDormantMs <= 0 ? null : isEligibleForDormancy(s, T);
  return dormancy === null ? main.because() : `${main.because()}, and ${dormancy.because()}`;
}
