// The soak's oracle: the engine's rules applied by the pure core (src/lifecycle)
// to an in-memory model of the workspaces, fed the same events as the
// database. It never reads the database after the start: what it predicts for
// every tick, completion and person's action comes from the core alone, and the
// soak compares its builds with the database's after every tick.
//
// Each method mirrors one path of the product, step for step:
//   tick            src/engine/evaluate.ts (decide, the build, the dormancy mark, the cache)
//   completeBuilds  src/builds/complete-job.ts (deadlines and the cache at completion)
//   startOrStop     src/ops/workspaces.ts makeBuild (a dormant workspace started by hand wakes)
//   setAutostart, setTtl, setDormant, setFailure   src/ops/workspaces.ts
//   updateTemplate  src/ops/templates.ts update
//   reportActivity  src/ops/activity.ts + src/db/sql/activity.ts (the coalesced write)
import type { LoadedWorkspace } from '../../src/db/load-snapshot.js';
import {
  activityBump,
  autostartCache,
  type BuildState,
  computeAutostop,
  DEFAULT_QUIET_HOURS_SCHEDULE,
  decide,
  dormancyMarks,
  isJobActive,
  type JobState,
  MINUTE,
  type OwnerStatus,
  type TemplatePolicy,
  type Transition,
  tickCacheUpdate,
  type WorkspaceSnapshot,
  type WorkspaceState,
} from '../../src/lifecycle/index.js';
import { workspaceStatus } from '../../src/ops/workspaces.js';

export type BuildReason = 'initiator' | 'autostart' | 'autostop' | 'dormancy' | 'autodelete';

/** What the soak compares: one build, as (workspace, build number, transition, reason, created at). */
export interface BuildKey {
  workspaceId: string;
  buildNumber: number;
  transition: Transition;
  reason: BuildReason;
  createdAt: Date;
}

export const formatBuild = (b: BuildKey) =>
  `${b.workspaceId} #${b.buildNumber} ${b.transition}/${b.reason} at ${b.createdAt.toISOString()}`;

interface ModelWorkspace {
  id: string;
  ownerId: string;
  templateId: string;
  deleted: boolean;
  autostartBlocked: string | null;
  state: WorkspaceState;
  build: BuildState;
  job: JobState;
  /** Transitions the simulated provisioner fails for this workspace (table simulated_failures). */
  failing: Set<Transition>;
}

interface ModelOwner {
  status: OwnerStatus;
  quietHoursSchedule: string | null;
}

export interface TickPrediction {
  /** Builds the tick makes. */
  builds: BuildKey[];
  /** Workspaces marked dormant without a build. */
  marked: number;
}

export class Oracle {
  private readonly workspaces = new Map<string, ModelWorkspace>();
  private readonly owners = new Map<string, ModelOwner>();
  private readonly templates = new Map<string, TemplatePolicy>();
  /** Builds whose job has not ended yet, by workspace. */
  private readonly pending = new Set<string>();
  readonly builds: BuildKey[] = [];

  constructor(private readonly defaultQuietHoursSchedule = DEFAULT_QUIET_HOURS_SCHEDULE) {}

  /** The starting state, read once from the database (the population the soak seeded). */
  load(loaded: LoadedWorkspace, failing: Transition[] = []): void {
    const s = loaded.snapshot;
    this.owners.set(loaded.ownerId, { status: s.owner.status, quietHoursSchedule: loaded.quietHoursSchedule });
    this.templates.set(loaded.templateId, { ...s.template });
    this.workspaces.set(s.workspace.id, {
      id: s.workspace.id,
      ownerId: loaded.ownerId,
      templateId: loaded.templateId,
      deleted: loaded.deleted,
      autostartBlocked: loaded.autostartBlocked,
      state: { ...s.workspace },
      build: { ...s.latestBuild },
      job: { ...s.latestJob },
      failing: new Set(failing),
    });
  }

  /** Workspaces not deleted, in id order. */
  live(): string[] {
    return [...this.workspaces.values()]
      .filter((w) => !w.deleted)
      .map((w) => w.id)
      .sort();
  }

  view(id: string) {
    const w = this.get(id);
    const status = workspaceStatus(w.build.transition, w.job.status, w.deleted);
    return {
      deleted: w.deleted,
      status,
      dormant: w.state.dormantAt !== null,
      ownerId: w.ownerId,
      ownerStatus: this.owners.get(w.ownerId)!.status,
      templateId: w.templateId,
      template: this.templates.get(w.templateId)!,
      schedule: w.state.autostartSchedule,
      failing: [...w.failing],
    };
  }

  template(id: string): TemplatePolicy {
    return this.templates.get(id)!;
  }

  ownerStatus(id: string): OwnerStatus {
    return this.owners.get(id)!.status;
  }

  private get(id: string): ModelWorkspace {
    const w = this.workspaces.get(id);
    if (w === undefined) throw new Error(`oracle: no workspace ${id}`);
    return w;
  }

  private snapshot(w: ModelWorkspace): WorkspaceSnapshot {
    return {
      workspace: w.state,
      owner: { status: this.owners.get(w.ownerId)!.status },
      template: this.templates.get(w.templateId)!,
      latestBuild: w.build,
      latestJob: w.job,
    };
  }

  /** How many workspaces have a build or a dormancy mark due at T. */
  dueCount(T: Date): number {
    let n = 0;
    for (const w of this.workspaces.values()) {
      if (w.deleted) continue;
      const d = decide(this.snapshot(w), T);
      if (d.transition !== null || d.markDormant) n++;
    }
    return n;
  }

  /** Whether the tick at T writes some workspace's autostart cache (and nothing else). */
  cacheDue(T: Date): boolean {
    for (const w of this.workspaces.values()) {
      if (!w.deleted && tickCacheUpdate(this.snapshot(w), w.autostartBlocked, T) !== null) return true;
    }
    return false;
  }

  /** src/engine/evaluate.ts for every live workspace at T. */
  tick(T: Date): TickPrediction {
    const made: BuildKey[] = [];
    let marked = 0;
    for (const w of [...this.workspaces.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      if (w.deleted) continue;
      const s = this.snapshot(w);
      const decision = decide(s, T);
      const cache = decision.markDormant ? null : tickCacheUpdate(s, w.autostartBlocked, T);
      if (decision.transition === null && !decision.markDormant && cache === null) continue;
      if (decision.transition !== null) {
        // Refused while a job is active: nothing is written (the next tick tries again).
        if (isJobActive(w.job.status)) continue;
        made.push(this.newBuild(w, decision.transition, decision.reason!, T));
      } else if (decision.markDormant) {
        marked++;
      }
      if (decision.markDormant) {
        const marks = dormancyMarks(T, this.templates.get(w.templateId)!);
        w.state = { ...w.state, dormantAt: marks.dormantAt, deletingAt: marks.deletingAt, nextStartAt: null };
      }
      if (cache !== null) {
        w.state = { ...w.state, nextStartAt: cache.nextStartAt };
        w.autostartBlocked = cache.autostartBlocked;
      }
    }
    return { builds: made, marked };
  }

  private newBuild(w: ModelWorkspace, transition: Transition, reason: BuildReason, at: Date): BuildKey {
    const key: BuildKey = { workspaceId: w.id, buildNumber: w.build.buildNumber + 1, transition, reason, createdAt: at };
    w.build = {
      buildNumber: key.buildNumber,
      transition,
      createdAt: at,
      deadline: null,
      maxDeadline: null,
      notifiedAutostopDeadline: null,
    };
    w.job = { status: 'pending', completedAt: null, canceledAt: null };
    this.pending.add(w.id);
    this.builds.push(key);
    return key;
  }

  /** src/builds/complete-job.ts for every pending job, ending at the database clock `at`. */
  completeBuilds(at: Date): void {
    for (const id of [...this.pending].sort()) {
      const w = this.get(id);
      this.pending.delete(id);
      if (w.failing.has(w.build.transition)) {
        w.job = { status: 'failed', completedAt: at, canceledAt: null };
        continue;
      }
      w.job = { status: 'succeeded', completedAt: at, canceledAt: null };
      const template = this.templates.get(w.templateId)!;
      if (w.build.transition === 'delete') {
        w.deleted = true;
        w.state = { ...w.state, nextStartAt: null };
        continue;
      }
      const cache = autostartCache(w.state, template, at);
      if (w.build.transition === 'start') {
        const { deadline, maxDeadline } = computeAutostop({
          completedAt: at,
          workspace: w.state,
          template,
          quietHoursSchedule: this.owners.get(w.ownerId)!.quietHoursSchedule,
          defaultQuietHoursSchedule: this.defaultQuietHoursSchedule,
        });
        w.build = { ...w.build, deadline, maxDeadline };
      }
      w.state = { ...w.state, nextStartAt: cache.nextStartAt };
      w.autostartBlocked = cache.autostartBlocked;
    }
  }

  /**
   * A person's start or stop (makeBuild): the refusal it would answer, or null and the build
   * it makes at `now`.
   */
  startOrStop(id: string, transition: 'start' | 'stop', now: Date): { refused: string | null; build: BuildKey | null } {
    const w = this.get(id);
    if (w.deleted) return { refused: 'deleted', build: null };
    if (isJobActive(w.job.status)) return { refused: 'a build is already active', build: null };
    const state = workspaceStatus(w.build.transition, w.job.status);
    if (transition === 'start' && state === 'running') return { refused: 'already running', build: null };
    if (transition === 'stop' && state === 'stopped') return { refused: 'already stopped', build: null };
    if (transition === 'start' && this.owners.get(w.ownerId)!.status === 'suspended') return { refused: 'owner suspended', build: null };
    if (transition === 'start' && w.state.dormantAt !== null) this.clearDormancy(w, now);
    return { refused: null, build: this.newBuild(w, transition, 'initiator', now) };
  }

  private clearDormancy(w: ModelWorkspace, now: Date): void {
    const cache = autostartCache({ autostartSchedule: w.state.autostartSchedule, dormantAt: null }, this.templates.get(w.templateId)!, now);
    w.state = { ...w.state, dormantAt: null, deletingAt: null, lastUsedAt: now, nextStartAt: cache.nextStartAt };
    w.autostartBlocked = cache.autostartBlocked;
  }

  setAutostart(id: string, schedule: string | null, now: Date): void {
    const w = this.get(id);
    const cache = autostartCache({ autostartSchedule: schedule, dormantAt: w.state.dormantAt }, this.templates.get(w.templateId)!, now);
    w.state = { ...w.state, autostartSchedule: schedule, nextStartAt: cache.nextStartAt };
    w.autostartBlocked = cache.autostartBlocked;
  }

  setTtl(id: string, ttlMs: number | null): void {
    const w = this.get(id);
    w.state = { ...w.state, ttlMs };
    if (ttlMs === null && w.build.transition === 'start' && w.build.deadline !== null) {
      w.build = { ...w.build, deadline: w.build.maxDeadline };
    }
  }

  /** By hand: dormant now (deletion after the template's autodelete time, no autostart). */
  markDormant(id: string, now: Date): void {
    const w = this.get(id);
    const marks = dormancyMarks(now, this.templates.get(w.templateId)!);
    w.state = { ...w.state, dormantAt: marks.dormantAt, deletingAt: marks.deletingAt, nextStartAt: null };
  }

  setFailure(id: string, transitions: Transition[] | null): void {
    this.get(id).failing = new Set(transitions ?? []);
  }

  setOwnerStatus(ownerId: string, status: OwnerStatus): void {
    this.owners.get(ownerId)!.status = status;
  }

  updateTemplate(templateId: string, change: Partial<TemplatePolicy>, now: Date): void {
    const was = this.templates.get(templateId)!;
    const policy = { ...was, ...change };
    this.templates.set(templateId, policy);
    const mine = [...this.workspaces.values()].filter((w) => w.templateId === templateId && !w.deleted);
    if (policy.timeTilDormantAutodeleteMs !== was.timeTilDormantAutodeleteMs) {
      for (const w of mine.filter((x) => x.state.dormantAt !== null)) {
        const ms = policy.timeTilDormantAutodeleteMs;
        w.state = { ...w.state, deletingAt: ms > 0 ? new Date(w.state.dormantAt!.getTime() + ms) : null };
      }
    }
    const daysChanged = policy.autostartAllowedDays.join() !== was.autostartAllowedDays.join();
    if (daysChanged || policy.allowUserAutostart !== was.allowUserAutostart) {
      for (const w of mine.filter((x) => x.state.autostartSchedule !== null)) {
        const cache = autostartCache(w.state, policy, now);
        w.state = { ...w.state, nextStartAt: cache.nextStartAt };
        w.autostartBlocked = cache.autostartBlocked;
      }
    }
  }

  /** One batch of activity reports seen at `now` (the database clock), as ActivityOps.report writes it. */
  reportActivity(ids: readonly string[], now: Date): void {
    for (const id of new Set(ids)) {
      const w = this.get(id);
      if (w.deleted) continue;
      const template = this.templates.get(w.templateId)!;
      const deadline = activityBump({
        now,
        build: { ...w.build, jobCompleted: w.job.completedAt !== null },
        template,
        workspace: w.state,
      });
      const written = w.state.lastUsedAt.getTime() < now.getTime() - MINUTE || deadline !== null;
      if (!written) continue;
      if (now > w.state.lastUsedAt) w.state = { ...w.state, lastUsedAt: now };
      if (deadline !== null) w.build = { ...w.build, deadline };
    }
  }

  /** The model's state of a workspace, for the end-of-run comparison with the database. */
  stateOf(id: string) {
    const w = this.get(id);
    return {
      deleted: w.deleted,
      lastUsedAt: w.state.lastUsedAt,
      dormantAt: w.state.dormantAt,
      deletingAt: w.state.deletingAt,
      nextStartAt: w.state.nextStartAt,
      autostartBlocked: w.autostartBlocked,
      buildNumber: w.build.buildNumber,
      deadline: w.build.deadline,
      maxDeadline: w.build.maxDeadline,
      jobStatus: w.job.status,
    };
  }
}
