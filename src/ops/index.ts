// The operations module: every lifecycle operation a person can ask for, over
// PostgreSQL and Temporal. The CLI and the HTTP API call this and only print.
// Refusals are OpsError (code + one-line message) and change nothing.
import { databaseNow } from '../db/sql/complete-build.js';
import { MINUTE, truncateToMinute } from '../lifecycle/index.js';
import { ActivityOps } from './activity.js';
import { type Actor, checkedActor } from './actor.js';
import { AuditOps } from './audit.js';
import { CalendarOps } from './calendars.js';
import type { OpsDeps } from './context.js';
import { invalid } from './errors.js';
import { AutostartOps } from './pause.js';
import { ReminderActionOps } from './reminder-actions.js';
import { ScheduleOps } from './schedules.js';
import { TemplateOps } from './templates.js';
import { TokenOps } from './tokens.js';
import { UserOps } from './users.js';
import { WorkspaceOps } from './workspaces.js';

export { ACTIVITY_BATCH_MAX, ActivityOps, type ActivityReport, type ActivityResult, type ActivityScope } from './activity.js';
export type { Actor } from './actor.js';
export type { AuditAction, AuditEntry, AuditFilterInput } from './audit.js';
export { AuditOps } from './audit.js';
export {
  type Calendar,
  type CalendarChange,
  type CalendarDetails,
  CalendarOps,
  type CalendarTarget,
  type HolidayDate,
} from './calendars.js';
export { lastCompletedTick, type OpsDeps, openDatabase, type Pool, pingDatabase } from './context.js';
export { OpsError, type OpsErrorCode, oneLine } from './errors.js';
export type { Page, PageRequest } from './pages.js';
export { AutostartOps, type AutostartState, PAUSE_NOTE_MAX, type PauseInput } from './pause.js';
export {
  type DryRunOptions,
  type DryRunReport,
  type DryRunWorkspace,
  dryRunJson,
  PROJECTION_DAYS,
  type Timeline,
  timelineJson,
} from './policy-dry-run.js';
export {
  type ActionLink,
  type ActionResult,
  KEEP_RUNNING_DEFAULT_MS,
  type ReminderAction,
  ReminderActionOps,
  SKIP_STOP_MS,
} from './reminder-actions.js';
export { SCHEDULE_PREVIEW_MAX, ScheduleOps, type SchedulePreview } from './schedules.js';
export {
  parseTemplateOptions,
  type Template,
  TemplateOps,
  type TemplateOptionsInput,
  type TemplateUpdate,
  type TemplateVersion,
} from './templates.js';
export {
  type CreatedToken,
  type CreateTokenInput,
  type Principal,
  type Role,
  TOKEN_DEFAULT_EXPIRY_MS,
  TOKEN_MAX_EXPIRY_MS,
  TOKEN_ROLES,
  TokenOps,
  type TokenRecord,
  type TokenRole,
} from './tokens.js';
export { type CreateUserInput, USER_STATUSES, type User, UserOps } from './users.js';
export type { DaysInput, DurationInput } from './validate.js';
export {
  type AutostartResult,
  type BuildRecord,
  type BuildStarted,
  type CreateWorkspaceInput,
  type Explanation,
  type JobRecord,
  type Reevaluation,
  WORKSPACE_STATUSES,
  type WorkspaceDetails,
  WorkspaceOps,
  type WorkspaceStatus,
  type WorkspaceSummary,
  workspaceStatus,
} from './workspaces.js';

export class Ops {
  readonly users: UserOps;
  readonly templates: TemplateOps;
  readonly workspaces: WorkspaceOps;
  readonly tokens: TokenOps;
  /** docs/rules.md#reminder-actions: keep running, skip the stop, and the single-use links of notifications. */
  readonly reminders: ReminderActionOps;
  readonly audit: AuditOps;
  readonly activity: ActivityOps;
  /** docs/rules.md#pause-and-skip: pause, resume, skip the next autostart. */
  readonly autostart: AutostartOps;
  /** docs/rules.md#holiday-calendars */
  readonly calendars: CalendarOps;
  readonly schedules: ScheduleOps;

  constructor(private readonly deps: OpsDeps) {
    this.users = new UserOps(deps);
    this.templates = new TemplateOps(deps);
    this.workspaces = new WorkspaceOps(deps);
    this.tokens = new TokenOps(deps);
    this.reminders = new ReminderActionOps(deps);
    this.audit = new AuditOps(deps);
    this.activity = new ActivityOps(deps);
    this.autostart = new AutostartOps(deps);
    this.calendars = new CalendarOps(deps);
    this.schedules = new ScheduleOps(deps);
  }

  /**
   * The same operations, with every change audited under `actor`
   * (docs/operations.md#audit-log); without it, changes are audited as
   * `cli:<operating-system user>`. Shares the pool and the Temporal client.
   */
  as(actor: Actor): Ops {
    return new Ops({ ...this.deps, actor: checkedActor(actor) });
  }

  /** Waits until a build job has finished; throws OpsError('timeout') after `timeoutMs`. */
  waitForBuild(jobId: string, timeoutMs: number) {
    return this.workspaces.waitForBuild(jobId, timeoutMs);
  }

  /**
   * The minute a tick run by hand evaluates: `at`, or without it the database
   * clock's minute (never the caller's clock, which may be wrong). A tick in
   * the future acts now on everything due before it — dormant workspaces whose
   * deletion date falls before it are deleted, and what it writes is stamped
   * with it — so an instant after the database clock plus one minute (a typo
   * such as 2062 for 2026) is refused unless `allowFuture` says it is meant
   * (tests, demos).
   */
  async tickInstant(at: Date | undefined, opts: { allowFuture?: boolean } = {}): Promise<Date> {
    if (at !== undefined && Number.isNaN(at.getTime())) throw invalid('invalid tick time: not an instant');
    const now = await databaseNow(this.deps.pool);
    if (at === undefined) return truncateToMinute(now);
    if (!opts.allowFuture && at.getTime() > now.getTime() + MINUTE) {
      throw invalid(
        `refusing a tick at ${at.toISOString()}: it is after the database clock (${now.toISOString()}) plus one minute, and a future tick deletes and stamps as of then; allow a future tick explicitly for tests and demos`,
      );
    }
    return truncateToMinute(at);
  }
}

export const createOps = (deps: OpsDeps) => new Ops(deps);
