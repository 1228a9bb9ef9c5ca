/**
 * Everything `decide` looks at, as one plain value. Durations are in
 * milliseconds, instants are `Date`s, unset is `null`.
 */
import type { JobStatus } from './job-status.js';
import type { Weekday } from './weekday.js';

export type Transition = 'start' | 'stop' | 'delete';
export type OwnerStatus = 'active' | 'suspended' | 'dormant';
export type AutomaticUpdates = 'always' | 'never';

/** docs/rules.md#pause-and-skip: autostart paused until an instant (null = indefinitely), by whom and why. */
export interface AutostartPause {
  until: Date | null;
  note: string | null;
  by: string | null;
}

/** docs/rules.md#holiday-calendars: one listed date (YYYY-MM-DD, a local date in the schedule's zone). */
export interface Holiday {
  date: string;
  /** The holiday's own name, when the calendar gives one. */
  name: string | null;
  /** The calendar that lists it. */
  calendar: string;
}

/** docs/rules.md#catch-up-after-downtime: which autostarts that fell due while the engine was down still start. */
export type CatchupPolicy = 'all' | 'latest' | 'none';

export interface WorkspaceState {
  id: string;
  autostartSchedule: string | null;
  ttlMs: number | null;
  lastUsedAt: Date;
  dormantAt: Date | null;
  deletingAt: Date | null;
  nextStartAt: Date | null;
  automaticUpdates: AutomaticUpdates;
  /** docs/rules.md#pause-and-skip; absent or null = not paused. */
  autostartPause?: AutostartPause | null;
  /** docs/rules.md#pause-and-skip: the one autostart occurrence to skip; absent or null = none. */
  autostartSkipAt?: Date | null;
  /** docs/rules.md#autodelete-warning: the deleting_at a warning was sent for; absent or null = none. */
  notifiedDeletingAt?: Date | null;
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
  /** docs/rules.md#catch-up-after-downtime; absent = 'all' (Coder's behaviour). */
  catchup?: CatchupPolicy;
  /** docs/rules.md#catch-up-after-downtime: the window of 'latest'; absent = 0. */
  catchupWindowMs?: number;
  /** docs/rules.md#autodelete-warning: how long before deleting_at to warn; absent or 0 = off. */
  autodeleteNotifyBeforeMs?: number;
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
  /** docs/rules.md#holiday-calendars: the dates of the template's and the owner's calendars; absent = none. */
  holidays?: readonly Holiday[];
  /** docs/rules.md#catch-up-after-downtime: the last tick the engine completed; absent or null = unknown (no catch-up limit). */
  lastCompletedTick?: Date | null;
}
