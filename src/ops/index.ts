// The operations module: every lifecycle operation a person can ask for, over
// PostgreSQL and Temporal. The CLI and the HTTP API call this and only print.
// Refusals are OpsError (code + one-line message) and change nothing.
import type { OpsDeps } from './context.js';
import { TemplateOps } from './templates.js';
import { UserOps } from './users.js';
import { WorkspaceOps } from './workspaces.js';

export { type OpsDeps, openDatabase, type Pool, pingDatabase } from './context.js';
export { OpsError, type OpsErrorCode } from './errors.js';
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

  constructor(deps: OpsDeps) {
    this.users = new UserOps(deps);
    this.templates = new TemplateOps(deps);
    this.workspaces = new WorkspaceOps(deps);
  }

  /** Waits until a build job has finished; throws OpsError('timeout') after `timeoutMs`. */
  waitForBuild(jobId: string, timeoutMs: number) {
    return this.workspaces.waitForBuild(jobId, timeoutMs);
  }
}

export const createOps = (deps: OpsDeps) => new Ops(deps);
