/** The pure lifecycle core: the public contract of issue 4 and the helpers the engine shares. */
export {
  ScheduleError,
  parseDailySchedule,
  parseWeeklySchedule,
  type DailySchedule,
  type Occurrence,
  type WeeklySchedule,
} from './schedule.js';
export { nextAllowedAutostart, nextAutostart, type NextAutostart } from './autostart.js';
export {
  type AutostartTiming,
  autostartBlockReason,
  autostartTiming,
  decide,
  type Decision,
  type Reason,
  usableSchedule,
} from './decide.js';
export { type AutostartCache, autostartCache, tickCacheUpdate } from './next-start.js';
export { type DormancyMarks, dormancyMarks } from './dormancy.js';
export { templateVersionForBuild, type VersionSource } from './builds.js';
export {
  computeAutostop,
  DEFAULT_QUIET_HOURS_SCHEDULE,
  effectiveTtlMs,
  type Autostop,
  type AutostopInput,
  type AutostopTemplate,
} from './autostop.js';
export { activityBump, type ActivityBumpInput } from './activity-bump.js';
export { preview, type Preview, type PreviewEvent } from './preview.js';
export {
  type AutomaticUpdates,
  type BuildState,
  type JobState,
  type OwnerState,
  type OwnerStatus,
  type TemplatePolicy,
  type Transition,
  type WorkspaceSnapshot,
  type WorkspaceState,
} from './snapshot.js';
export { deriveJobStatus, isJobActive, type JobStatus, type JobTimes } from './job-status.js';
export { formatDuration, parseDuration } from './duration.js';
export { ALL_WEEKDAYS, formatWeekdayList, parseWeekdayList, type Weekday } from './weekday.js';
export { DAY, HOUR, MINUTE, truncateToMinute } from './time.js';
