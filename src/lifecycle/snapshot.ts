/**
 * Everything `decide` looks at, as one plain value. Durations are in
 * milliseconds, instants are `Date`s, unset is `null`.
 */
import type { JobStatus } from './job-status.js';
import type { Weekday } from './weekday.js';

export type Transition = 'start' | 'stop' | 'delete';
export type OwnerStatus = 'active' | 'suspended' | 'dormant';
export type AutomaticUpdates = 'always' | 'never';

export interface WorkspaceState {
  id: string;
  autostartSchedule: string | null;
  ttlMs: number | null;
  lastUsedAt: Date;
  dormantAt: Date | null;
  deletingAt: Date | null;
  nextStartAt: Date | null;
  automaticUpdates: AutomaticUpdates;
}

export interface OwnerState {
  status: OwnerStatus;
}

export interface TemplatePolicy {
  defaultTtlMs: number;
  activityBumpMs: number;
  allowUserAutostart: boolean;
  allowUserAutostop: boolean;
  autostartAllowedDays: Weekday[];
  failureTtlMs: number;
  timeTilDormantMs: number;
  timeTilDormantAutodeleteMs: number;
  autostopNotifyBeforeMs: number;
  requireActiveVersion: boolean;
  autostopRequirementDays: Weekday[];
  autostopRequirementWeeks: number;
}

export interface BuildState {
  buildNumber: number;
  transition: Transition;
  createdAt: Date;
  deadline: Date | null;
  maxDeadline: Date | null;
  notifiedAutostopDeadline: Date | null;
}

export interface JobState {
  status: JobStatus;
  completedAt: Date | null;
  canceledAt: Date | null;
}

export interface WorkspaceSnapshot {
  workspace: WorkspaceState;
  owner: OwnerState;
  template: TemplatePolicy;
  latestBuild: BuildState;
  latestJob: JobState;
}

/** `T` with every `Date` (or `Date | null`) property replaced by an ISO-8601 string (or null). */
type Jsonified<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

export interface WorkspaceSnapshotJson {
  workspace: Jsonified<WorkspaceState>;
  owner: OwnerState;
  template: TemplatePolicy;
  latestBuild: Jsonified<BuildState>;
  latestJob: Jsonified<JobState>;
}

const toText = (date: Date): string => date.toISOString();
const toTextOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString());

function toDate(text: string, field: string): Date {
  const date = new Date(text);
  if (typeof text !== 'string' || Number.isNaN(date.getTime())) {
    throw new TypeError(`snapshot field ${field} is not an ISO-8601 instant: ${JSON.stringify(text)}`);
  }
  return date;
}

const toDateOrNull = (text: string | null, field: string): Date | null => (text === null ? null : toDate(text, field));

/**
 * Temporal's payload converter turns a `Date` into a string and never back,
 * so a snapshot crosses a workflow/activity boundary only through this pair.
 */
export function snapshotToJson(s: WorkspaceSnapshot): WorkspaceSnapshotJson {
  const { workspace: w, latestBuild: b, latestJob: j } = s;
  return {
    workspace: {
      ...w,
      lastUsedAt: toText(w.lastUsedAt),
      dormantAt: toTextOrNull(w.dormantAt),
      deletingAt: toTextOrNull(w.deletingAt),
      nextStartAt: toTextOrNull(w.nextStartAt),
    },
    owner: { ...s.owner },
    template: {
      ...s.template,
      autostartAllowedDays: [...s.template.autostartAllowedDays],
      autostopRequirementDays: [...s.template.autostopRequirementDays],
    },
    latestBuild: {
      ...b,
      createdAt: toText(b.createdAt),
      deadline: toTextOrNull(b.deadline),
      maxDeadline: toTextOrNull(b.maxDeadline),
      notifiedAutostopDeadline: toTextOrNull(b.notifiedAutostopDeadline),
    },
    latestJob: { ...j, completedAt: toTextOrNull(j.completedAt), canceledAt: toTextOrNull(j.canceledAt) },
  };
}

export function snapshotFromJson(j: WorkspaceSnapshotJson): WorkspaceSnapshot {
  const { workspace: w, latestBuild: b, latestJob: job } = j;
  return {
    workspace: {
      ...w,
      lastUsedAt: toDate(w.lastUsedAt, 'workspace.lastUsedAt'),
      dormantAt: toDateOrNull(w.dormantAt, 'workspace.dormantAt'),
      deletingAt: toDateOrNull(w.deletingAt, 'workspace.deletingAt'),
      nextStartAt: toDateOrNull(w.nextStartAt, 'workspace.nextStartAt'),
    },
    owner: { ...j.owner },
    template: {
      ...j.template,
      autostartAllowedDays: [...j.template.autostartAllowedDays],
      autostopRequirementDays: [...j.template.autostopRequirementDays],
    },
    latestBuild: {
      ...b,
      createdAt: toDate(b.createdAt, 'latestBuild.createdAt'),
      deadline: toDateOrNull(b.deadline, 'latestBuild.deadline'),
      maxDeadline: toDateOrNull(b.maxDeadline, 'latestBuild.maxDeadline'),
      notifiedAutostopDeadline: toDateOrNull(b.notifiedAutostopDeadline, 'latestBuild.notifiedAutostopDeadline'),
    },
    latestJob: {
      ...job,
      completedAt: toDateOrNull(job.completedAt, 'latestJob.completedAt'),
      canceledAt: toDateOrNull(job.canceledAt, 'latestJob.canceledAt'),
    },
  };
}
