// Workspaces: create (with its first start build), schedule, TTL, extend,
// activity, dormancy, start/stop/delete, cancel, and reads (docs/rules.md#the-next_start_at-cache, docs/rules.md#activity-bump,
// docs/rules.md#other-changes, docs/rules.md#applying-a-decision-the-build-transaction). A change to one workspace runs in one transaction holding its row
// lock; a build is committed with its pending job first and handed off to
// provisioning (startBuild) after the commit.
import { WorkflowNotFoundError } from '@temporalio/client';
import { buildWorkflowId, startBuild } from '../builds/start-build.js';
import { BuildActiveError, BuildRaceError, type InsertedBuild, insertBuild, insertNextBuild } from '../db/insert-build.js';
import { LOCKED, type LoadedWorkspace, loadSnapshot } from '../db/load-snapshot.js';
import type { PoolClient } from '../db/pool.js';
import { holidaysOf } from '../db/sql/calendars.js';
import { databaseNow } from '../db/sql/complete-build.js';
import { findJob, markJobCanceled } from '../db/sql/provisioner-jobs.js';
import { setSimulatedFailure } from '../db/sql/simulated-failure.js';
import { findTemplate } from '../db/sql/templates.js';
import { findUser } from '../db/sql/users.js';
import {
  type BuildRecord,
  buildByNumber,
  buildHistory,
  buildOfJob,
  insertWorkspace,
  jobLog,
  listWorkspaces,
  resolveWorkspaceId,
  setLatestBuildDeadline,
  updateWorkspaceFields,
  type WorkspaceListRow,
  workspaceScope,
} from '../db/sql/workspaces.js';
import { markDormant } from '../engine/effects.js';
import type { EvaluateResult } from '../engine/outcome.js';
import {
  type AutostartPause,
  autostartCache,
  formatDuration,
  isJobActive,
  type JobStatus,
  MINUTE,
  type Preview,
  preview,
  type Transition,
} from '../lifecycle/index.js';
import { evaluateNow } from '../runtime/evaluate-client.js';
import { type AuditAction, recordAudit } from './audit.js';
import { actorOf, type OpsDeps, transaction } from './context.js';
import { conflict, invalid, notFound, OpsError, refused } from './errors.js';
import { type Page, type PageRequest, pageQuery, toPage } from './pages.js';
import { PROJECTION_DAYS, projectionDays, type Timeline, workspaceTimeline } from './policy-dry-run.js';
import * as v from './validate.js';

export type { BuildRecord, JobRecord } from '../db/sql/workspaces.js';
export type WorkspaceSummary = WorkspaceListRow & { status: WorkspaceStatus };

/** What a person sees: the latest transition and how its job is doing. */
export const WORKSPACE_STATUSES = [
  'pending',
  'starting',
  'running',
  'stopping',
  'stopped',
  'deleting',
  'deleted',
  'failed',
  'canceling',
  'canceled',
] as const;
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number];

export function workspaceStatus(transition: Transition | null, job: JobStatus | null, deleted = false): WorkspaceStatus {
  if (deleted) return 'deleted';
  if (transition === null || job === null) return 'pending';
  if (job === 'running') return transition === 'start' ? 'starting' : transition === 'stop' ? 'stopping' : 'deleting';
  if (job === 'succeeded') return transition === 'start' ? 'running' : transition === 'stop' ? 'stopped' : 'deleted';
  return job;
}

export interface CreateWorkspaceInput {
  /** Username or id. */
  owner: string;
  /** Template name or id. */
  template: string;
  name: string;
  autostartSchedule?: string | null;
  /** Absent: the template's default TTL (none when 0). null: no TTL. */
  ttl?: v.DurationInput | null;
  automaticUpdates?: 'always' | 'never';
  /** Who asks (username or id); default the owner. */
  initiator?: string;
}

/** `explain`: the decision at a minute and what happens next, for a live workspace. */
export interface Explanation {
  id: string;
  /** `owner/name` */
  workspace: string;
  status: WorkspaceStatus;
  dormant: boolean;
  /** The database clock when it was read. */
  now: Date;
  preview: Preview;
}

/** `reevaluate`: the engine's answer, and the build it made (if any) as the history shows it. */
export interface Reevaluation extends EvaluateResult {
  workspaceId: string;
  build: BuildRecord | null;
}

export interface BuildStarted {
  workspaceId: string;
  /** `owner/name` */
  workspace: string;
  buildId: string;
  buildNumber: number;
  jobId: string;
  transition: Transition;
}

export interface AutostartResult {
  autostartSchedule: string | null;
  nextStartAt: Date | null;
  autostartBlocked: string | null;
  /** Set when the schedule was accepted but can never fire (docs/rules.md#the-next_start_at-cache). */
  warning: string | null;
}

export interface WorkspaceDetails {
  id: string;
  name: string;
  owner: { id: string; username: string; status: string };
  template: { id: string; name: string; activeVersion: string };
  status: WorkspaceStatus;
  autostartSchedule: string | null;
  ttlMs: number | null;
  automaticUpdates: 'always' | 'never';
  lastUsedAt: Date;
  dormantAt: Date | null;
  deletingAt: Date | null;
  nextStartAt: Date | null;
  autostartBlocked: string | null;
  /** docs/rules.md#pause-and-skip: the pause (until null = indefinitely), or null. */
  autostartPause: AutostartPause | null;
  /** docs/rules.md#pause-and-skip: the one autostart occurrence skipped, or null. */
  autostartSkipAt: Date | null;
  deleted: boolean;
  latestBuild: BuildRecord;
  /** What happens next and when (the lifecycle core's preview at the database clock); null once deleted. */
  upcoming: Preview | null;
  /** The database clock the preview was computed at. */
  at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXTEND_MIN_MS = 30 * MINUTE;
const EXTEND_SLACK_MS = MINUTE;

export class WorkspaceOps {
  constructor(private readonly deps: OpsDeps) {}

  async create(input: CreateWorkspaceInput): Promise<BuildStarted & { warning: string | null }> {
    const name = v.name('workspace name', input.name);
    const schedule = input.autostartSchedule == null ? null : v.weeklySchedule('autostart schedule', input.autostartSchedule);
    const ttlGiven = input.ttl === undefined ? undefined : input.ttl === null ? null : v.ttlMs('TTL', input.ttl);
    const automaticUpdates =
      input.automaticUpdates === undefined ? 'never' : v.oneOf('automatic updates', input.automaticUpdates, ['always', 'never'] as const);
    const started = await transaction(this.deps, async (c) => {
      // Shared locks: a suspension or a policy change committing meanwhile is seen, not overtaken.
      const owner = await findUser(c, input.owner, { lock: 'share' });
      if (owner === null) throw notFound(`no user ${input.owner}`);
      if (owner.status === 'suspended') throw conflict(`user ${owner.username} is suspended`);
      const initiator = await this.initiator(c, input.initiator, owner);
      const template = await findTemplate(c, input.template, { lock: 'share' });
      if (template === null) throw notFound(`no template ${input.template}`);
      const policy = template.policy;
      if (schedule !== null && !policy.allowUserAutostart)
        throw refused(`template ${template.name} does not allow autostart`, 'autostart schedule');
      if (ttlGiven !== undefined && !policy.allowUserAutostop) {
        throw refused(`template ${template.name} does not allow users to set a TTL (its default TTL applies)`, 'TTL');
      }
      const ttlMs = ttlGiven === undefined ? (policy.defaultTtlMs > 0 ? policy.defaultTtlMs : null) : ttlGiven;
      // docs/rules.md#holiday-calendars: the template's and the owner's calendars apply from the first start.
      const holidays = schedule === null ? undefined : await holidaysOf(c, template.id, owner.id);
      const cache = autostartCache({ autostartSchedule: schedule, dormantAt: null }, policy, await databaseNow(c), holidays);
      const id = await insertWorkspace(c, {
        ownerId: owner.id,
        templateId: template.id,
        name,
        autostartSchedule: schedule,
        ttlMs,
        automaticUpdates,
        nextStartAt: cache.nextStartAt,
        autostartBlocked: cache.autostartBlocked,
      });
      if (id === null) throw conflict(`workspace ${owner.username}/${name} already exists`);
      const build = await insertBuild(c, {
        workspaceId: id,
        buildNumber: 1,
        templateVersionId: template.activeVersion.id,
        transition: 'start',
        reason: 'initiator',
        initiatorId: initiator.id,
        workflowId: null,
        createdAt: null,
      });
      await recordAudit(c, this.deps, {
        action: 'workspace.create',
        workspaceId: id,
        templateId: template.id,
        userId: owner.id,
        before: null,
        after: {
          owner: owner.username,
          name,
          template: template.name,
          autostartSchedule: schedule,
          ttlMs,
          automaticUpdates,
          nextStartAt: cache.nextStartAt,
          autostartBlocked: cache.autostartBlocked,
          transition: 'start',
          buildNumber: build.buildNumber,
          jobId: build.jobId,
        },
      });
      return {
        workspaceId: id,
        workspace: `${owner.username}/${name}`,
        ...build,
        transition: 'start' as const,
        warning: blockedWarning(cache.autostartBlocked),
      };
    });
    await this.handOff(started);
    return started;
  }

  async start(ref: string, opts: { initiator?: string } = {}): Promise<BuildStarted> {
    return this.makeBuild(ref, 'start', opts);
  }

  async stop(ref: string, opts: { initiator?: string } = {}): Promise<BuildStarted> {
    return this.makeBuild(ref, 'stop', opts);
  }

  /** A delete build; the workspace is marked deleted when it succeeds. */
  async delete(ref: string, opts: { initiator?: string } = {}): Promise<BuildStarted> {
    return this.makeBuild(ref, 'delete', opts);
  }

  /** docs/rules.md#entities: a pending job ends canceled at once; a running one becomes canceling and its provisioner is stopped. */
  async cancel(ref: string): Promise<{ jobId: string; status: JobStatus }> {
    const jobId = await transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      const status = w.snapshot.latestJob.status;
      if (status !== 'pending' && status !== 'running') {
        throw conflict(`workspace ${label(w)} has no build to cancel (its latest job is ${status})`);
      }
      await markJobCanceled(c, w.latestBuild.jobId);
      // A pending job ends canceled at once; a running one is canceling until its provisioner stops.
      await this.audit(
        c,
        w,
        'workspace.cancel',
        { jobId: w.latestBuild.jobId, jobStatus: status },
        {
          jobId: w.latestBuild.jobId,
          jobStatus: status === 'pending' ? 'canceled' : 'canceling',
        },
      );
      return w.latestBuild.jobId;
    });
    try {
      await this.deps.client.workflow.getHandle(buildWorkflowId(jobId)).cancel();
    } catch (err) {
      // Not handed off yet: the workflow, when it starts, finds the job ended.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const job = await findJob(this.deps.pool, jobId);
    return { jobId, status: job!.status };
  }

  /** docs/rules.md#the-next_start_at-cache: sets or clears the schedule and maintains next_start_at; a schedule that can never fire is recorded as blocked. */
  async setAutostart(ref: string, schedule: string | null): Promise<AutostartResult> {
    const spec = schedule === null ? null : v.weeklySchedule('autostart schedule', schedule);
    return transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      if (spec !== null && !w.snapshot.template.allowUserAutostart) {
        throw refused(`template ${w.templateName} does not allow autostart`, 'autostart schedule');
      }
      const cache = autostartCache(
        { ...w.snapshot.workspace, autostartSchedule: spec },
        w.snapshot.template,
        await databaseNow(c),
        w.snapshot.holidays,
      );
      await updateWorkspaceFields(c, w.snapshot.workspace.id, { autostartSchedule: spec, ...cache });
      await this.audit(
        c,
        w,
        'workspace.autostart',
        {
          autostartSchedule: w.snapshot.workspace.autostartSchedule,
          nextStartAt: w.snapshot.workspace.nextStartAt,
          autostartBlocked: w.autostartBlocked,
        },
        { autostartSchedule: spec, ...cache },
      );
      return { autostartSchedule: spec, ...cache, warning: blockedWarning(cache.autostartBlocked) };
    });
  }

  /**
   * docs/rules.md#other-changes: a TTL applies from the next build; removing it sets a running
   * build's deadline to its max deadline (none if unset). Both need the
   * template to allow user autostop.
   */
  async setTtl(ref: string, ttl: v.DurationInput | null): Promise<{ ttlMs: number | null; deadline: Date | null }> {
    const ttlMs = ttl === null ? null : v.ttlMs('TTL', ttl);
    return transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      if (!w.snapshot.template.allowUserAutostop) {
        throw refused(`template ${w.templateName} does not allow users to set a TTL (its default TTL applies)`, 'TTL');
      }
      await updateWorkspaceFields(c, w.snapshot.workspace.id, { ttlMs });
      let deadline = w.snapshot.latestBuild.deadline;
      if (ttlMs === null && w.snapshot.latestBuild.transition === 'start' && deadline !== null) {
        deadline = w.snapshot.latestBuild.maxDeadline;
        await setLatestBuildDeadline(c, w.latestBuild.id, deadline);
      }
      await this.audit(
        c,
        w,
        'workspace.ttl',
        { ttlMs: w.snapshot.workspace.ttlMs, deadline: w.snapshot.latestBuild.deadline },
        { ttlMs, deadline },
      );
      return { ttlMs, deadline };
    });
  }

  /** docs/rules.md#other-changes: the running build's deadline becomes now + `by` (at least 30 min, at most the max deadline). */
  async extend(ref: string, by: v.DurationInput): Promise<{ deadline: Date }> {
    const ms = v.durationMs('extension', by, v.BOUNDS.extendMaxMs);
    if (ms < EXTEND_MIN_MS - EXTEND_SLACK_MS) {
      throw refused(`invalid extension ${formatDuration(ms)}: the new deadline must be at least 30m from now`, 'extension');
    }
    return this.moveDeadline(ref, (now) => new Date(now.getTime() + ms), 'extension');
  }

  /** The same rule as `extend`, for a deadline given as an instant (the HTTP API's `PUT …/extend {deadline}`). */
  async extendTo(ref: string, deadline: Date): Promise<{ deadline: Date }> {
    if (!(deadline instanceof Date) || Number.isNaN(deadline.getTime())) throw invalid('invalid deadline: expected an instant', 'deadline');
    return this.moveDeadline(
      ref,
      (now) => {
        if (deadline.getTime() < now.getTime() + EXTEND_MIN_MS - EXTEND_SLACK_MS) {
          throw refused(`invalid deadline ${deadline.toISOString()}: the new deadline must be at least 30m from now`, 'deadline');
        }
        if (deadline.getTime() > now.getTime() + v.BOUNDS.extendMaxMs) {
          throw invalid(`invalid deadline ${deadline.toISOString()}: at most ${formatDuration(v.BOUNDS.extendMaxMs)} from now`, 'deadline');
        }
        return deadline;
      },
      'deadline',
    );
  }

  /**
   * The one way a person moves a running build's deadline: `extend`, `extendTo` and the reminder actions
   * (src/ops/reminder-actions.ts, docs/rules.md#reminder-actions). `target` gets the database clock and the
   * locked workspace; `opts.within` runs first in the same transaction (a link's use), and `opts.via` names
   * the reminder action in the audit row.
   */
  async moveDeadline(
    ref: string,
    target: (now: Date, w: LoadedWorkspace) => Date,
    field: string,
    opts: { via?: string; within?: WithinChange } = {},
  ): Promise<{ deadline: Date }> {
    return transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      await opts.within?.(c, w);
      const { latestBuild: b, latestJob: j } = w.snapshot;
      if (b.transition !== 'start' || j.status !== 'succeeded') {
        throw conflict(
          `workspace ${label(w)} is not running (${workspaceStatus(b.transition, j.status)}), so it has no deadline to extend`,
        );
      }
      if (b.deadline === null) throw conflict(`workspace ${label(w)} has no deadline to extend (no TTL applies)`);
      const deadline = target(await databaseNow(c), w);
      if (b.maxDeadline !== null && deadline > b.maxDeadline) {
        throw refused(
          `cannot extend ${label(w)} to ${deadline.toISOString()}: past its max deadline ${b.maxDeadline.toISOString()} (the template's autostop requirement)`,
          field,
        );
      }
      await setLatestBuildDeadline(c, w.latestBuild.id, deadline);
      await this.audit(c, w, 'workspace.extend', { deadline: b.deadline }, { deadline, ...(opts.via && { via: opts.via }) });
      return { deadline };
    });
  }

  /**
   * docs/rules.md#other-changes. Set: dormant now, deletion after the template's autodelete
   * time, no autostart, and the owner is notified. Clear: not dormant, last
   * used now, autostart recomputed.
   */
  async setDormant(
    ref: string,
    dormant: boolean,
    opts: { within?: WithinChange } = {},
  ): Promise<{ dormantAt: Date | null; deletingAt: Date | null }> {
    const result = await transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      await opts.within?.(c, w);
      const { snapshot: s } = w;
      const now = await databaseNow(c);
      if (dormant) {
        if (s.workspace.dormantAt !== null) throw conflict(`workspace ${label(w)} is already dormant`);
        const marks = await markDormant(c, w, now, 'marked dormant by a person');
        await this.audit(
          c,
          w,
          'workspace.dormant',
          { dormantAt: null, deletingAt: s.workspace.deletingAt },
          { dormantAt: marks.dormantAt, deletingAt: marks.deletingAt },
        );
        return marks;
      }
      if (s.workspace.dormantAt === null) throw conflict(`workspace ${label(w)} is not dormant`);
      await clearDormancy(c, w, now);
      await this.audit(
        c,
        w,
        'workspace.wake',
        { dormantAt: s.workspace.dormantAt, deletingAt: s.workspace.deletingAt },
        { dormantAt: null, deletingAt: null },
      );
      return { dormantAt: null, deletingAt: null };
    });
    return { dormantAt: result.dormantAt, deletingAt: result.deletingAt };
  }

  /**
   * The simulated provisioner's failure switch (demos and tests): builds of
   * these transitions fail with `message` until cleared with null.
   */
  async setSimulatedFailure(ref: string, transitions: Transition[] | null, message = 'simulated provisioner failure'): Promise<void> {
    if (transitions !== null) {
      if (transitions.length === 0) throw invalid('invalid transitions: name at least one of start, stop, delete');
      for (const t of transitions) v.oneOf('transition', t, ['start', 'stop', 'delete'] as const);
    }
    await transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      await setSimulatedFailure(c, w.snapshot.workspace.id, transitions === null ? null : { transitions, message });
    });
  }

  async get(ref: string): Promise<WorkspaceDetails> {
    const { id, w, at } = await this.read(ref);
    const [latestBuild] = await buildHistory(this.deps.pool, id, 1);
    const template = await findTemplate(this.deps.pool, w.templateId);
    const s = w.snapshot;
    return {
      id,
      name: w.workspaceName,
      owner: { id: w.ownerId, username: w.ownerName, status: s.owner.status },
      template: { id: w.templateId, name: w.templateName, activeVersion: template!.activeVersion.name },
      status: workspaceStatus(s.latestBuild.transition, s.latestJob.status, w.deleted),
      autostartSchedule: s.workspace.autostartSchedule,
      ttlMs: s.workspace.ttlMs,
      automaticUpdates: s.workspace.automaticUpdates,
      lastUsedAt: s.workspace.lastUsedAt,
      dormantAt: s.workspace.dormantAt,
      deletingAt: s.workspace.deletingAt,
      nextStartAt: s.workspace.nextStartAt,
      autostartBlocked: w.autostartBlocked,
      autostartPause: s.workspace.autostartPause ?? null,
      autostartSkipAt: s.workspace.autostartSkipAt ?? null,
      deleted: w.deleted,
      latestBuild: latestBuild!,
      upcoming: w.deleted ? null : preview(s, at),
      at,
    };
  }

  /**
   * What the engine would do with the workspace at `at` (default: the
   * database clock), and what happens next and when, each instant with the
   * rule that produces it. Writes nothing.
   */
  async explain(ref: string, at?: Date): Promise<Explanation> {
    if (at !== undefined && !v.isInstant(at)) throw invalid('invalid time: expected an instant', 'at');
    const { id, w, at: now } = await this.read(ref);
    const s = w.snapshot;
    const name = label(w);
    if (w.deleted) throw conflict(`workspace ${name} is deleted: nothing more will happen to it`);
    return {
      id,
      workspace: name,
      status: workspaceStatus(s.latestBuild.transition, s.latestJob.status),
      dormant: s.workspace.dormantAt !== null,
      now,
      preview: preview(s, at ?? now),
    };
  }

  /**
   * What the engine will do to the workspace over the next `days` (1–31, default 7) if nobody
   * touches it: the projection of docs/rules.md#policy-dry-run-and-timeline. Writes nothing.
   */
  async timeline(ref: string, opts: { days?: number } = {}): Promise<Timeline> {
    const days = projectionDays(opts.days, PROJECTION_DAYS.timelineDefault);
    const { w, at } = await this.read(ref);
    if (w.deleted) throw conflict(`workspace ${label(w)} is deleted: nothing more will happen to it`);
    return workspaceTimeline(this.deps, w, at, days);
  }

  /** The reevaluate message: the engine evaluates the workspace now and answers with its decision and any build it made. */
  async reevaluate(ref: string): Promise<Reevaluation> {
    const id = await this.resolve(ref, false);
    const result = await evaluateNow(this.deps.client, this.deps.taskQueue, id);
    const build = result.outcome.kind === 'transition' && result.buildNumber !== null ? await this.build(id, result.buildNumber) : null;
    return { ...result, workspaceId: id, build };
  }

  /** A page of workspaces, by owner and name. */
  async list(
    filter: { owner?: string; template?: string; includeDeleted?: boolean; status?: WorkspaceStatus; dormant?: boolean } = {},
    page: PageRequest = {},
  ): Promise<Page<WorkspaceSummary>> {
    const status = filter.status === undefined ? undefined : v.oneOf('status', filter.status, WORKSPACE_STATUSES);
    const { limit, after } = pageQuery(page, 3);
    let ownerId: string | undefined;
    let templateId: string | undefined;
    if (filter.owner !== undefined) {
      const owner = await findUser(this.deps.pool, filter.owner);
      if (owner === null) throw notFound(`no user ${filter.owner}`);
      ownerId = owner.id;
    }
    if (filter.template !== undefined) {
      const template = await findTemplate(this.deps.pool, filter.template);
      if (template === null) throw notFound(`no template ${filter.template}`);
      templateId = template.id;
    }
    const rows = await listWorkspaces(
      this.deps.pool,
      {
        ownerId,
        templateId,
        includeDeleted: (filter.includeDeleted ?? false) || status === 'deleted',
        status,
        dormant: filter.dormant === undefined ? undefined : v.boolean('dormant', filter.dormant),
      },
      { after, limit: limit + 1 },
    );
    const summaries = rows.map((r) => ({ ...r, status: workspaceStatus(r.transition, r.jobStatus, r.deleted) }));
    return toPage(summaries, limit, (w) => [w.owner, w.name, w.id]);
  }

  /** Builds, newest first, each with its job (and the workflow that decided it, for autobuilds). */
  async history(ref: string, opts: { limit?: number } = {}): Promise<BuildRecord[]> {
    const limit = opts.limit === undefined ? 50 : v.integerBetween('limit', opts.limit, 1, 10_000);
    return buildHistory(this.deps.pool, await this.resolve(ref, true), limit);
  }

  /** A page of builds, newest first (the HTTP API's history). */
  async builds(ref: string, page: PageRequest = {}): Promise<Page<BuildRecord>> {
    const { limit, after } = pageQuery(page, 1);
    const before = after === null ? null : Number(after[0]);
    if (before !== null && !Number.isInteger(before))
      throw invalid('invalid cursor: pass back the nextCursor of the previous page', 'cursor');
    const rows = await buildHistory(this.deps.pool, await this.resolve(ref, true), limit + 1, before);
    return toPage(rows, limit, (b) => [String(b.buildNumber)]);
  }

  /** Who owns a workspace (deleted ones too) and its template, or null when there is none: what a caller may do with it depends on them. */
  async scope(ref: string): Promise<{ id: string; ownerId: string; templateId: string } | null> {
    if (typeof ref !== 'string' || ref === '') throw invalid('invalid workspace: use owner/name or an id');
    const id = await resolveWorkspaceId(this.deps.pool, ref, { includeDeleted: true });
    return id === null ? null : workspaceScope(this.deps.pool, id);
  }

  /** Build number `n` of a workspace, with its job. */
  async build(ref: string, n: number): Promise<BuildRecord> {
    const number = v.integerBetween('build number', n, 1, 2_147_483_647);
    const build = await buildByNumber(this.deps.pool, await this.resolve(ref, true), number);
    if (build === null) throw notFound(`workspace ${ref} has no build #${number}`);
    return build;
  }

  /** The build whose provisioner job this is. */
  async buildOfJob(jobId: string): Promise<BuildRecord> {
    const build = UUID.test(jobId) ? await buildOfJob(this.deps.pool, jobId) : null;
    if (build === null) throw notFound(`no build job ${jobId}`);
    return build;
  }

  /** Build `n`'s job log (the last 64 KiB the provisioner wrote). */
  async buildLog(ref: string, n: number): Promise<{ build: BuildRecord; log: string }> {
    const build = await this.build(ref, n);
    return { build, log: (await jobLog(this.deps.pool, build.job.id)) ?? '' };
  }

  /** Waits until the job has finished (succeeded, failed or canceled) and returns its build. */
  async waitForBuild(jobId: string, timeoutMs: number, pollMs = 100): Promise<BuildRecord> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const build = await this.buildOfJob(jobId);
      if (!isJobActive(build.job.status)) return build;
      if (Date.now() >= until) {
        throw new OpsError('timeout', `build job ${jobId} is still ${build.job.status} after ${formatDuration(timeoutMs)}`);
      }
      await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(until - Date.now(), 1))));
    }
  }

  private async makeBuild(ref: string, transition: Transition, opts: { initiator?: string }): Promise<BuildStarted> {
    const started = await transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      const { snapshot: s } = w;
      const initiator = await this.initiator(c, opts.initiator, { id: w.ownerId });
      if (isJobActive(s.latestJob.status)) {
        throw conflict(`a build is already active for workspace ${label(w)} (job ${s.latestJob.status}); wait for it or cancel it`);
      }
      const state = workspaceStatus(s.latestBuild.transition, s.latestJob.status);
      if (transition === 'start' && state === 'running') throw conflict(`workspace ${label(w)} is already running`);
      if (transition === 'stop' && state === 'stopped') throw conflict(`workspace ${label(w)} is already stopped`);
      if (transition === 'start' && s.owner.status === 'suspended') throw conflict(`user ${w.ownerName} is suspended`);
      // docs/rules.md#other-changes: starting a dormant workspace by hand clears dormancy first.
      const wakes = transition === 'start' && s.workspace.dormantAt !== null;
      if (wakes) await clearDormancy(c, w, await databaseNow(c));
      let build: InsertedBuild;
      try {
        build = await insertNextBuild(c, w, {
          transition,
          reason: 'initiator',
          initiatorId: initiator.id,
          workflowId: null,
          createdAt: null,
        });
      } catch (err) {
        if (err instanceof BuildActiveError || err instanceof BuildRaceError) throw conflict(err.message);
        throw err;
      }
      await this.audit(
        c,
        w,
        'workspace.build',
        { transition: s.latestBuild.transition, jobStatus: s.latestJob.status, ...(wakes ? { dormantAt: s.workspace.dormantAt } : {}) },
        { transition, buildNumber: build.buildNumber, jobId: build.jobId, ...(wakes ? { dormantAt: null } : {}) },
      );
      return { workspaceId: s.workspace.id, workspace: label(w), ...build, transition };
    });
    await this.handOff(started);
    return started;
  }

  /**
   * Who a person's build is recorded as made by: the user named, else the
   * actor when it is a user (an API caller), else `fallback` (the owner).
   */
  private async initiator(c: PoolClient, ref: string | undefined, fallback: { id: string }): Promise<{ id: string }> {
    const actor = actorOf(this.deps);
    const named = ref ?? actor.userId;
    if (named === null) return fallback;
    const user = await findUser(c, named);
    if (user === null) throw notFound(`no user ${named}`);
    return user;
  }

  /** The audit row of a change to workspace `w`, in the change's transaction. */
  private audit(c: PoolClient, w: LoadedWorkspace, action: AuditAction, before: Record<string, unknown>, after: Record<string, unknown>) {
    return recordAudit(c, this.deps, {
      action,
      workspaceId: w.snapshot.workspace.id,
      templateId: w.templateId,
      userId: w.ownerId,
      before,
      after,
    });
  }

  private async handOff(b: BuildStarted): Promise<void> {
    await startBuild(this.deps.client, this.deps.taskQueue, b.jobId, {
      summary: `${b.transition} of ${b.workspace} (build #${b.buildNumber}, initiator)`,
      build: { workspaceId: b.workspaceId, transition: b.transition, reason: 'initiator' },
    });
  }

  /** The workspace (deleted ones too) and the database clock, outside any transaction. */
  private async read(ref: string): Promise<{ id: string; w: LoadedWorkspace; at: Date }> {
    const id = await this.resolve(ref, true);
    const w = await loadSnapshot(this.deps.pool, id);
    if (w === null || w === LOCKED) throw notFound(`no workspace ${ref}`);
    const at = await databaseNow(this.deps.pool);
    return { id, w, at };
  }

  private async resolve(ref: string, includeDeleted: boolean): Promise<string> {
    if (typeof ref !== 'string' || ref === '') throw invalid('invalid workspace: use owner/name or an id');
    const id = await resolveWorkspaceId(this.deps.pool, ref, { includeDeleted });
    if (id === null) throw notFound(`no workspace ${ref}`);
    return id;
  }

  /** The live workspace, its row locked for this transaction. */
  private lock(c: PoolClient, ref: string): Promise<LoadedWorkspace> {
    return lockLiveWorkspace(c, ref);
  }
}

/** The live workspace named by `ref`, its row locked for this transaction (not found, or deleted: refused). */
export async function lockLiveWorkspace(c: PoolClient, ref: string): Promise<LoadedWorkspace> {
  if (typeof ref !== 'string' || ref === '') throw invalid('invalid workspace: use owner/name or an id');
  const id = await resolveWorkspaceId(c, ref, { includeDeleted: true });
  const w = id === null ? null : await loadSnapshot(c, id, { lock: 'wait' });
  if (w === null || w === LOCKED) throw notFound(`no workspace ${ref}`);
  if (w.deleted) throw conflict(`workspace ${label(w)} is deleted`);
  return w;
}

/** What a caller does in a change's own transaction, under the workspace's row lock, before the change (throwing undoes both). */
export type WithinChange = (c: PoolClient, w: LoadedWorkspace) => Promise<void>;

export const label = (w: LoadedWorkspace) => `${w.ownerName}/${w.workspaceName}`;

const blockedWarning = (blocked: string | null) => (blocked === null ? null : `autostart will never fire: ${blocked}`);

async function clearDormancy(c: PoolClient, w: LoadedWorkspace, now: Date): Promise<void> {
  const cache = autostartCache({ ...w.snapshot.workspace, dormantAt: null }, w.snapshot.template, now, w.snapshot.holidays);
  await updateWorkspaceFields(c, w.snapshot.workspace.id, { dormantAt: null, deletingAt: null, lastUsedAt: now, ...cache });
}
