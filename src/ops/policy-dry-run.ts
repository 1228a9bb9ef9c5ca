// The policy dry-run and the workspace timeline (docs/rules.md#policy-dry-run-and-timeline): the
// pure core's projection over what the engine reads, writing nothing. The dry-run reads
// the template and all its workspaces in one read-only transaction, projects each
// workspace under the current and the proposed policy, and reports the differences.
import { type LoadedWorkspace, loadTemplateSnapshots } from '../db/load-snapshot.js';
import { inTransaction } from '../db/pool.js';
import { databaseNow } from '../db/sql/complete-build.js';
import { findTemplate } from '../db/sql/templates.js';
import {
  autostartCache,
  CHANGE_KINDS,
  type ChangeKind,
  classifyChange,
  DAY,
  PROJECTION_ASSUMPTION,
  type ProjectedChange,
  type ProjectedEvent,
  policyChangeReaches,
  project,
  type TemplatePolicy,
  type WorkspaceSnapshot,
} from '../lifecycle/index.js';
import type { OpsDeps } from './context.js';
import { invalid, notFound } from './errors.js';
import * as v from './validate.js';

/** How far a dry-run or a timeline may look ahead, in days. */
export const PROJECTION_DAYS = { min: 1, max: 31, dryRunDefault: 14, timelineDefault: 7 } as const;

export interface DryRunOptions {
  /** Days to project from now (1–31, default 14). */
  days?: number;
  /** Project as if `resetInactivity` were given to the update: every workspace last used now. */
  resetInactivity?: boolean;
}

export interface DryRunWorkspace {
  id: string;
  /** `owner/name` */
  workspace: string;
  changes: ProjectedChange[];
}

export interface DryRunReport {
  template: string;
  templateId: string;
  /** The first tick projected (the database clock's next minute) and the end of the projection. */
  from: Date;
  until: Date;
  days: number;
  assumption: string;
  resetInactivity: boolean;
  /** The options that change, as they are and as they would be. */
  policy: { before: Partial<TemplatePolicy>; after: Partial<TemplatePolicy> };
  /** Live workspaces of the template. */
  workspaces: number;
  /** Workspaces the change can reach, each projected under both policies (the others cannot change). */
  projected: number;
  /** Workspaces whose events differ. */
  changed: number;
  /** Projections cut short by the step bound (PROJECTION_MAX_STEPS). */
  truncated: number;
  counts: Record<ChangeKind, number>;
  /** Every workspace whose events differ, by owner and name. */
  changes: DryRunWorkspace[];
}

export interface Timeline {
  id: string;
  workspace: string;
  from: Date;
  until: Date;
  days: number;
  assumption: string;
  events: ProjectedEvent[];
  truncated: boolean;
}

export function projectionDays(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const { min, max } = PROJECTION_DAYS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`invalid days: expected a whole number of days from ${min} to ${max}, got ${String(value)}`, 'days');
  }
  return value;
}

/**
 * What the proposed update would make of one workspace's snapshot, as TemplateOps.update writes it:
 * the new policy, deletion dates moved with the autodelete time, the next autostart recomputed when
 * the allowed days or the autostart permission change, and with `resetInactivity` last used now.
 */
export function proposedSnapshot(
  s: WorkspaceSnapshot,
  blocked: string | null,
  change: Partial<TemplatePolicy>,
  now: Date,
  resetInactivity: boolean,
): { snapshot: WorkspaceSnapshot; blocked: string | null } {
  const was = s.template;
  const policy = { ...was, ...change };
  let workspace = s.workspace;
  if (policy.timeTilDormantAutodeleteMs !== was.timeTilDormantAutodeleteMs && workspace.dormantAt !== null) {
    const ms = policy.timeTilDormantAutodeleteMs;
    workspace = { ...workspace, deletingAt: ms > 0 ? new Date(workspace.dormantAt!.getTime() + ms) : null };
  }
  const daysChanged = policy.autostartAllowedDays.join() !== was.autostartAllowedDays.join();
  if ((daysChanged || policy.allowUserAutostart !== was.allowUserAutostart) && workspace.autostartSchedule !== null) {
    const cache = autostartCache(workspace, policy, now);
    workspace = { ...workspace, nextStartAt: cache.nextStartAt };
    blocked = cache.autostartBlocked;
  }
  if (resetInactivity && workspace.lastUsedAt < now) workspace = { ...workspace, lastUsedAt: now };
  return { snapshot: { ...s, workspace, template: policy }, blocked };
}

export async function dryRunTemplateUpdate(
  deps: OpsDeps,
  ref: string,
  change: Partial<TemplatePolicy>,
  opts: DryRunOptions,
): Promise<DryRunReport> {
  const days = projectionDays(opts.days, PROJECTION_DAYS.dryRunDefault);
  const resetInactivity = opts.resetInactivity === true;
  // One read-only snapshot of the template and its workspaces: the dry-run writes nothing.
  const read = await inTransaction(
    deps.pool,
    async (c) => {
      await c.query('SET TRANSACTION READ ONLY');
      const template = await findTemplate(c, ref);
      if (template === null) throw notFound(`no template ${ref}`);
      v.catchupWindow({ ...template.policy, ...change });
      return { template, now: await databaseNow(c), workspaces: await loadTemplateSnapshots(c, template.id) };
    },
    'REPEATABLE READ',
  );
  const { template, now } = read;
  const until = new Date(now.getTime() + days * DAY);
  const changed = Object.keys(change) as Array<keyof TemplatePolicy>;
  const counts = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  const changes: DryRunWorkspace[] = [];
  let projected = 0;
  let truncated = 0;
  for (const w of read.workspaces) {
    const current = w.snapshot;
    const proposed = proposedSnapshot(current, w.autostartBlocked, change, now, resetInactivity);
    if (!policyChangeReaches(current, proposed.snapshot, now, until)) continue;
    projected++;
    const options = projectionOptions(deps, w);
    const before = project(current, now, until, options);
    const after = project(proposed.snapshot, now, until, { ...options, autostartBlocked: proposed.blocked });
    if (before.truncated || after.truncated) truncated++;
    const differences = classifyChange(before, after);
    if (differences.length === 0) continue;
    for (const d of differences) counts[d.kind]++;
    changes.push({ id: current.workspace.id, workspace: `${w.ownerName}/${w.workspaceName}`, changes: differences });
  }
  changes.sort((a, b) => (a.workspace < b.workspace ? -1 : a.workspace > b.workspace ? 1 : 0));
  const pick = (p: TemplatePolicy) => Object.fromEntries(changed.map((k) => [k, p[k]])) as Partial<TemplatePolicy>;
  return {
    template: template.name,
    templateId: template.id,
    from: new Date(Math.ceil(now.getTime() / 60_000) * 60_000),
    until,
    days,
    assumption: PROJECTION_ASSUMPTION,
    resetInactivity,
    policy: { before: pick(template.policy), after: pick({ ...template.policy, ...change }) },
    workspaces: read.workspaces.length,
    projected,
    changed: changes.length,
    truncated,
    counts,
    changes,
  };
}

/** The projection of one live workspace from the database clock. */
export function workspaceTimeline(deps: OpsDeps, w: LoadedWorkspace, now: Date, days: number): Timeline {
  const until = new Date(now.getTime() + days * DAY);
  const p = project(w.snapshot, now, until, projectionOptions(deps, w));
  return {
    id: w.snapshot.workspace.id,
    workspace: `${w.ownerName}/${w.workspaceName}`,
    from: p.from,
    until,
    days,
    assumption: PROJECTION_ASSUMPTION,
    events: p.events,
    truncated: p.truncated,
  };
}

const projectionOptions = (deps: OpsDeps, w: LoadedWorkspace) => ({
  quietHoursSchedule: w.quietHoursSchedule,
  defaultQuietHoursSchedule: deps.defaultQuietHoursSchedule,
  autostartBlocked: w.autostartBlocked,
});

const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

/** The dry-run's JSON (the CLI's --json and the HTTP API answer alike). */
export function dryRunJson(r: DryRunReport) {
  return {
    template: r.template,
    templateId: r.templateId,
    from: r.from.toISOString(),
    until: r.until.toISOString(),
    days: r.days,
    assumption: r.assumption,
    resetInactivity: r.resetInactivity,
    policy: r.policy,
    workspaces: r.workspaces,
    projected: r.projected,
    changed: r.changed,
    truncated: r.truncated,
    counts: r.counts,
    changes: r.changes.map((w) => ({
      id: w.id,
      workspace: w.workspace,
      changes: w.changes.map((c) => ({ kind: c.kind, before: isoOrNull(c.before), after: isoOrNull(c.after), rule: c.rule })),
    })),
  };
}

/** The timeline's JSON (the CLI's --json and the HTTP API answer alike). */
export function timelineJson(t: Timeline) {
  return {
    id: t.id,
    workspace: t.workspace,
    from: t.from.toISOString(),
    until: t.until.toISOString(),
    days: t.days,
    assumption: t.assumption,
    truncated: t.truncated,
    events: t.events.map((e) => ({ at: e.at.toISOString(), kind: e.kind, transition: e.transition, reason: e.reason, rule: e.rule })),
  };
}
