// The JSON shapes of what the operations module answers, shared by the CLI's
// `--json` (docs/cli.md) and the HTTP API (docs/api.md): camelCase, ISO-8601
// UTC instants, durations in milliseconds, weekdays as lowercase full names,
// null for unset. Outside tools read these field names: add, never rename.

import type { AutostartPause, Preview, PreviewEvent } from '../lifecycle/index.js';
import type {
  AuditEntry,
  BuildRecord,
  Calendar,
  CalendarDetails,
  Template,
  TemplateVersion,
  TokenRecord,
  User,
  WorkspaceDetails,
  WorkspaceSummary,
} from './index.js';

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function userJson(u: User) {
  return { id: u.id, username: u.username, status: u.status, quietHoursSchedule: u.quietHoursSchedule, createdAt: iso(u.createdAt) };
}

export function templateJson(t: Template) {
  const p = t.policy;
  return {
    id: t.id,
    name: t.name,
    activeVersion: t.activeVersion.name,
    activeVersionId: t.activeVersion.id,
    defaultTtlMs: p.defaultTtlMs,
    activityBumpMs: p.activityBumpMs,
    allowUserAutostart: p.allowUserAutostart,
    allowUserAutostop: p.allowUserAutostop,
    autostartAllowedDays: [...p.autostartAllowedDays],
    failureTtlMs: p.failureTtlMs,
    timeTilDormantMs: p.timeTilDormantMs,
    timeTilDormantAutodeleteMs: p.timeTilDormantAutodeleteMs,
    autostopNotifyBeforeMs: p.autostopNotifyBeforeMs,
    autostopRequirementDays: [...p.autostopRequirementDays],
    autostopRequirementWeeks: p.autostopRequirementWeeks,
    requireActiveVersion: p.requireActiveVersion,
    catchup: p.catchup ?? 'all',
    catchupWindowMs: p.catchupWindowMs ?? 0,
    autodeleteNotifyBeforeMs: p.autodeleteNotifyBeforeMs ?? 0,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

export function versionJson(v: TemplateVersion) {
  return { id: v.id, templateId: v.templateId, name: v.name, active: v.active, createdAt: iso(v.createdAt) };
}

/** `latestBuild` of `workspace show`, and each entry of `history`. */
export function buildJson(b: BuildRecord) {
  return {
    id: b.id,
    buildNumber: b.buildNumber,
    transition: b.transition,
    reason: b.reason,
    initiator: b.initiator,
    templateVersion: b.templateVersion,
    createdAt: iso(b.createdAt),
    deadline: iso(b.deadline),
    maxDeadline: iso(b.maxDeadline),
    notifiedAutostopDeadline: iso(b.notifiedAutostopDeadline),
    workflowId: b.workflowId,
    job: {
      id: b.job.id,
      status: b.job.status,
      error: b.job.error,
      createdAt: iso(b.job.createdAt),
      startedAt: iso(b.job.startedAt),
      completedAt: iso(b.job.completedAt),
      canceledAt: iso(b.job.canceledAt),
    },
  };
}
export type BuildJson = ReturnType<typeof buildJson>;

export function workspaceJson(w: WorkspaceDetails) {
  return {
    id: w.id,
    owner: w.owner.username,
    name: w.name,
    template: w.template.name,
    status: w.status,
    autostartSchedule: w.autostartSchedule,
    ttlMs: w.ttlMs,
    automaticUpdates: w.automaticUpdates,
    lastUsedAt: iso(w.lastUsedAt),
    dormantAt: iso(w.dormantAt),
    deletingAt: iso(w.deletingAt),
    nextStartAt: iso(w.nextStartAt),
    autostartBlocked: w.autostartBlocked,
    autostartPause: pauseJson(w.autostartPause),
    autostartSkipAt: iso(w.autostartSkipAt),
    deleted: w.deleted,
    deadline: w.status === 'running' ? iso(w.latestBuild.deadline) : null,
    maxDeadline: w.status === 'running' ? iso(w.latestBuild.maxDeadline) : null,
    latestBuild: buildJson(w.latestBuild),
  };
}

/** docs/rules.md#pause-and-skip: `{ until, note, by }` (until null = indefinitely), or null when not paused. */
export function pauseJson(p: AutostartPause | null) {
  return p === null ? null : { until: iso(p.until), note: p.note, by: p.by };
}

/** A holiday calendar (docs/rules.md#holiday-calendars); `holidays` only when shown. */
export function calendarJson(c: Calendar | CalendarDetails) {
  return {
    id: c.id,
    name: c.name,
    dates: c.dates,
    templates: [...c.templates],
    users: [...c.users],
    createdAt: c.createdAt.toISOString(),
    ...('holidays' in c && { holidays: c.holidays.map((h) => ({ date: h.date, name: h.name })) }),
  };
}

export function workspaceSummaryJson(w: WorkspaceSummary) {
  return {
    id: w.id,
    owner: w.owner,
    name: w.name,
    template: w.template,
    status: w.status,
    transition: w.transition,
    jobStatus: w.jobStatus,
    autostartSchedule: w.autostartSchedule,
    deadline: iso(w.deadline),
    nextStartAt: iso(w.nextStartAt),
    dormantAt: iso(w.dormantAt),
    deletingAt: iso(w.deletingAt),
    deleted: w.deleted,
    createdAt: iso(w.createdAt),
  };
}

const eventAt = (e: PreviewEvent | null) => (e === null ? null : e.at.toISOString());
const eventRule = (e: PreviewEvent | null) => (e === null ? null : e.rule);

/**
 * `explain --json`. The contract's fields carry instants; `rules` says which
 * rule produces each of them (nextAutostart carries its own).
 */
export function explainJson(workspace: string, p: Preview) {
  return {
    workspace,
    at: p.at.toISOString(),
    decision: {
      transition: p.decision.transition,
      reason: p.decision.reason,
      markDormant: p.decision.markDormant,
      remind: p.decision.remind,
      ...(p.decision.catchupSkipped && { catchupSkipped: true as const }),
      ...(p.decision.warnDelete && { warnDelete: true as const }),
      explanation: p.decision.explanation,
    },
    nextAutostart: p.nextAutostart === null ? null : { at: p.nextAutostart.at.toISOString(), rule: p.nextAutostart.rule },
    deadline: eventAt(p.deadline),
    maxDeadline: eventAt(p.maxDeadline),
    reminderAt: eventAt(p.reminderAt),
    dormantAt: eventAt(p.dormantAt),
    deletingAt: eventAt(p.deletingAt),
    // Only when the template turns the warning on (docs/rules.md#autodelete-warning).
    ...(p.deleteWarningAt && { deleteWarningAt: p.deleteWarningAt.at.toISOString() }),
    rules: {
      deadline: eventRule(p.deadline),
      maxDeadline: eventRule(p.maxDeadline),
      reminderAt: eventRule(p.reminderAt),
      dormantAt: eventRule(p.dormantAt),
      deletingAt: eventRule(p.deletingAt),
      ...(p.deleteWarningAt && { deleteWarningAt: p.deleteWarningAt.rule }),
    },
  };
}

/** `token list`, `token revoke`, and `token create` (with `token`). Never the secret or its hash. */
export function tokenJson(t: TokenRecord) {
  return {
    id: t.id,
    user: t.username,
    userId: t.userId,
    role: t.role,
    name: t.name,
    scope: {
      workspaceId: t.scope.workspaceId,
      workspace: t.scope.workspace,
      templateIds: [...t.scope.templateIds],
      templates: [...t.scope.templates],
    },
    status: t.status,
    createdAt: iso(t.createdAt),
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(t.lastUsedAt),
    revokedAt: iso(t.revokedAt),
  };
}

/** Each entry of `audit`. */
export function auditJson(e: AuditEntry) {
  return {
    id: e.id,
    at: iso(e.at),
    actor: e.actor,
    actorUserId: e.actorUserId,
    tokenId: e.tokenId,
    action: e.action,
    subject: e.subject,
    workspaceId: e.workspaceId,
    templateId: e.templateId,
    userId: e.userId,
    before: e.before,
    after: e.after,
  };
}
