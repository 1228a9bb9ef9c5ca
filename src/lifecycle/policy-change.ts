/**
 * docs/rules.md#policy-dry-run-and-timeline: how a template change alters a workspace's projected
 * events. Two projections (the current policy, the proposed one) are compared by
 * instant and kind; each difference is classified with the rule that produces it.
 */
import { effectiveTtlMs } from './autostop.js';
import type { ProjectedEvent, Projection } from './projection.js';
import type { TemplatePolicy, WorkspaceSnapshot } from './snapshot.js';
import { MINUTE } from './time.js';

export const CHANGE_KINDS = [
  'stops-earlier',
  'stops-later',
  'becomes-dormant',
  'dormant-earlier',
  'dormant-later',
  'no-longer-dormant',
  'deleted',
  'deleted-earlier',
  'deleted-later',
  'no-longer-deleted',
  'autostart-moves',
  'other-events-move',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface ProjectedChange {
  kind: ChangeKind;
  /** The instant under the current policy (null: not within the days projected). */
  before: Date | null;
  /** The instant under the proposed policy (null: not within the days projected). */
  after: Date | null;
  /** The rule that produces the proposed event (or, when it is gone, the current one). */
  rule: string;
}

const sameEvent = (a: ProjectedEvent, b: ProjectedEvent) =>
  a.at.getTime() === b.at.getTime() && a.kind === b.kind && a.transition === b.transition && a.reason === b.reason;

/** Whether two projections have the same events (instants and kinds; the sentences may name other durations). */
export function sameEvents(a: Projection, b: Projection): boolean {
  return a.events.length === b.events.length && a.events.every((e, i) => sameEvent(e, b.events[i]!));
}

/** The deadline-driven stop: the autostop rule, not failed cleanup (which also builds with reason autostop). */
const isDeadlineStop = (e: ProjectedEvent) => e.kind === 'stop' && e.by === 'autostop';

/** The differences between the current and the proposed projection, or none. */
export function classifyChange(current: Projection, proposed: Projection): ProjectedChange[] {
  if (sameEvents(current, proposed)) return [];
  const out: ProjectedChange[] = [];
  // Starts and stops are compared up to the first dormancy or deletion in either projection: after it,
  // their absence is the dormancy's doing, reported as such.
  const ends = [...current.events, ...proposed.events].filter((e) => e.kind === 'dormant' || e.kind === 'delete');
  const horizon = Math.min(...ends.map((e) => e.at.getTime()));
  // The first of these events whose instant differs between the two projections.
  const compare = (
    test: (e: ProjectedEvent) => boolean,
    kinds: { appears: ChangeKind; earlier: ChangeKind; later: ChangeKind; disappears: ChangeKind },
    until = Number.POSITIVE_INFINITY,
  ) => {
    const pick = (p: Projection) => p.events.filter((e) => test(e) && e.at.getTime() < until);
    const [was, is] = [pick(current), pick(proposed)];
    const i = [...Array(Math.max(was.length, is.length)).keys()].find((n) => was[n]?.at.getTime() !== is[n]?.at.getTime());
    if (i === undefined) return;
    const [b, a] = [was[i] ?? null, is[i] ?? null];
    const kind = b === null ? kinds.appears : a === null ? kinds.disappears : a.at.getTime() < b.at.getTime() ? kinds.earlier : kinds.later;
    out.push({ kind, before: b?.at ?? null, after: a?.at ?? null, rule: (a ?? b)!.rule });
  };
  // Deadline-driven stops, then dormancy and deletion (each at most once), then autostarts. A stop that
  // appears is earlier than "not within the window"; one that disappears is later.
  compare(isDeadlineStop, { appears: 'stops-earlier', earlier: 'stops-earlier', later: 'stops-later', disappears: 'stops-later' }, horizon);
  compare((e) => e.kind === 'dormant', {
    appears: 'becomes-dormant',
    earlier: 'dormant-earlier',
    later: 'dormant-later',
    disappears: 'no-longer-dormant',
  });
  compare((e) => e.kind === 'delete', {
    appears: 'deleted',
    earlier: 'deleted-earlier',
    later: 'deleted-later',
    disappears: 'no-longer-deleted',
  });
  compare(
    (e) => e.kind === 'start',
    {
      appears: 'autostart-moves',
      earlier: 'autostart-moves',
      later: 'autostart-moves',
      disappears: 'autostart-moves',
    },
    horizon,
  );
  if (out.length === 0) {
    const i = current.events.findIndex((e, n) => proposed.events[n] === undefined || !sameEvent(e, proposed.events[n]!));
    const at = i === -1 ? current.events.length : i;
    const [was, is] = [current.events[at] ?? null, proposed.events[at] ?? null];
    out.push({ kind: 'other-events-move', before: was?.at ?? null, after: is?.at ?? null, rule: (is ?? was)!.rule });
  }
  return out;
}

const tickStrictlyAfter = (instant: number) => Math.floor(instant / MINUTE) * MINUTE + MINUTE;
const ACTIVE_USER_MS = 15 * MINUTE;

/**
 * False only when the proposed snapshot provably projects the same events as the current one over
 * [from, until): each changed option is one this workspace's projection cannot read there. The
 * dry-run skips those workspaces; an option not named here (any new one) always counts as reaching.
 * test/lifecycle/projection.test.ts checks it against both projections.
 */
export function policyChangeReaches(current: WorkspaceSnapshot, proposed: WorkspaceSnapshot, from: Date, until: Date): boolean {
  const cw = current.workspace;
  const pw = proposed.workspace;
  const [c, p] = [current.template, proposed.template];
  const either = (f: (t: TemplatePolicy) => boolean) => f(c) || f(p);
  const dormant = cw.dormantAt !== null;
  if (
    pw !== cw &&
    (pw.deletingAt?.getTime() !== cw.deletingAt?.getTime() ||
      pw.nextStartAt?.getTime() !== cw.nextStartAt?.getTime() ||
      pw.dormantAt?.getTime() !== cw.dormantAt?.getTime())
  ) {
    return true;
  }
  const lastUsedMoved = pw.lastUsedAt.getTime() !== cw.lastUsedAt.getTime();
  if (lastUsedMoved && either((t) => t.timeTilDormantMs > 0 || t.autostopNotifyBeforeMs > 0)) return true;
  const dormancyWithin = (t: TemplatePolicy, w = cw) =>
    !dormant && t.timeTilDormantMs > 0 && tickStrictlyAfter(w.lastUsedAt.getTime() + t.timeTilDormantMs) < until.getTime();
  const mayRun = cw.autostartSchedule !== null || current.latestBuild.transition === 'start';
  const reaches: Partial<Record<keyof TemplatePolicy, () => boolean>> = {
    requireActiveVersion: () => false,
    activityBumpMs: () => either((t) => t.autostopNotifyBeforeMs > 0) && cw.lastUsedAt.getTime() + ACTIVE_USER_MS > from.getTime(),
    failureTtlMs: () => current.latestJob.status === 'failed',
    timeTilDormantMs: () => dormancyWithin(c) || dormancyWithin(p, pw),
    timeTilDormantAutodeleteMs: () => dormant || dormancyWithin(c) || dormancyWithin(p, pw),
    autostopNotifyBeforeMs: () => mayRun,
    autostopRequirementDays: () => mayRun,
    autostopRequirementWeeks: () => mayRun,
    defaultTtlMs: () => mayRun && effectiveTtlMs(cw, c) !== effectiveTtlMs(pw, p),
    allowUserAutostop: () => mayRun && effectiveTtlMs(cw, c) !== effectiveTtlMs(pw, p),
    allowUserAutostart: () => cw.autostartSchedule !== null,
    autostartAllowedDays: () => cw.autostartSchedule !== null,
  };
  const keys = new Set([...Object.keys(c), ...Object.keys(p)] as Array<keyof TemplatePolicy>);
  for (const key of keys) {
    if (c[key] === p[key] || JSON.stringify(c[key]) === JSON.stringify(p[key])) continue;
    const rule = reaches[key];
    if (rule === undefined || rule()) return true;
  }
  return false;
}
