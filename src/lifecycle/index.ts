/** The pure lifecycle core (docs/lifecycle.md): the decision, schedules, deadlines, and the helpers the engine shares. */

export { type ActivityBumpInput, activityBump } from './activity-bump.js';
export { AUTOSTART_SEARCH_DAYS, type NextAutostart, nextAllowedAutostart, nextAutostart } from './autostart.js';
export {
  type AutostartConstraints,
  autostartConstraints,
  describePause,
  localDate,
  nextPermittedAutostart,
  type PermittedAutostart,
} from './autostart-constraints.js';
export {
  type Autostop,
  type AutostopInput,
  type AutostopTemplate,
  computeAutostop,
  DEFAULT_QUIET_HOURS_SCHEDULE,
  effectiveTtlMs,
} from './autostop.js';
export { BOUNDS } from './bounds.js';
export { templateVersionForBuild, type VersionSource } from './builds.js';
export { CATCHUP_GRACE_MS, type CatchupVerdict, catchupVerdict } from './catchup.js';
export {
  autostartBlockReason,
  type Decision,
  decide,
  type Reason,
} from './decide.js';
export { type DormancyMarks, dormancyMarks } from './dormancy.js';
export { formatDuration, parseDuration } from './duration.js';
export { deriveJobStatus, isJobActive, type JobStatus, type JobTimes } from './job-status.js';
export { type AutostartCache, autostartCache, tickCacheUpdate } from './next-start.js';
export {
  CHANGE_KINDS,
  type ChangeKind,
  classifyChange,
  type ProjectedChange,
  policyChangeReaches,
  sameEvents,
} from './policy-change.js';
export { type Preview, type PreviewEvent, preview } from './preview.js';
export {
  PROJECTION_ASSUMPTION,
  PROJECTION_MAX_STEPS,
  type ProjectedEvent,
  type ProjectedKind,
  type Projection,
  type ProjectionOptions,
  project,
} from './projection.js';
export {
  type DailySchedule,
  type Occurrence,
  parseDailySchedule,
  parseWeeklySchedule,
  ScheduleError,
  type WeeklySchedule,
} from './schedule.js';
export { describeSchedule, describeWeekdays } from './schedule-text.js';
export type {
  AutomaticUpdates,
  AutostartPause,
  BuildState,
  CatchupPolicy,
  Holiday,
  JobState,
  OwnerState,
  OwnerStatus,
  TemplatePolicy,
  Transition,
  WorkspaceSnapshot,
  WorkspaceState,
} from './snapshot.js';
export { DAY, HOUR, MINUTE, truncateToMinute } from './time.js';
export { ALL_WEEKDAYS, formatWeekdayList, parseWeekdayList, type Weekday } from './weekday.js';
