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
