// The operations module: every lifecycle operation a person can ask for, over
// PostgreSQL and Temporal. The CLI and the HTTP API call this and only print.
// Refusals are OpsError (code + one-line message) and change nothing.
import { databaseNow } from '../db/sql/complete-build.js';
import { MINUTE, truncateToMinute } from '../lifecycle/index.js';
import type { OpsDeps } from './context.js';
import { invalid } from './errors.js';
import { TemplateOps } from './templates.js';
import { UserOps } from './users.js';
import { WorkspaceOps } from './workspaces.js';

export { type OpsDeps, openDatabase, type Pool, pingDatabase } from './context.js';
export { OpsError, type OpsErrorCode } from './errors.js';
export type { Page, PageRequest } from './pages.js';
export {
  parseTemplateOptions,
  type Template,
  TemplateOps,
  type TemplateOptionsInput,
  type TemplateUpdate,
  type TemplateVersion,
} from './templates.js';
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

  constructor(private readonly deps: OpsDeps) {
    this.users = new UserOps(deps);
    this.templates = new TemplateOps(deps);
    this.workspaces = new WorkspaceOps(deps);
  }

  /** Waits until a build job has finished; throws OpsError('timeout') after `timeoutMs`. */
  waitForBuild(jobId: string, timeoutMs: number) {
    return this.workspaces.waitForBuild(jobId, timeoutMs);
  }

  /**
   * The minute a tick run by hand evaluates. A tick in the future acts now on
   * everything due before it — dormant workspaces whose deletion date falls
   * before it are deleted, and what it writes is stamped with it — so an
   * instant after the database clock plus one minute (a typo such as 2062 for
   * 2026) is refused unless `allowFuture` says it is meant (tests, demos).
   */
  async tickInstant(at: Date, opts: { allowFuture?: boolean } = {}): Promise<Date> {
    if (Number.isNaN(at.getTime())) throw invalid('invalid tick time: not an instant');
    const now = await databaseNow(this.deps.pool);
    if (!opts.allowFuture && at.getTime() > now.getTime() + MINUTE) {
      throw invalid(
        `refusing a tick at ${at.toISOString()}: it is after the database clock (${now.toISOString()}) plus one minute, and a future tick deletes and stamps as of then; allow a future tick explicitly for tests and demos`,
      );
    }
    return truncateToMinute(at);
  }
}

export const createOps = (deps: OpsDeps) => new Ops(deps);
