import {
  ALL_WEEKDAYS,
  type BuildState,
  type JobState,
  type OwnerState,
  type TemplatePolicy,
  type WorkspaceSnapshot,
  type WorkspaceState,
} from '../../src/lifecycle/index.js';

export const MIN = 60_000;
export const H = 60 * MIN;
export const D = 24 * H;

export const at = (iso: string): Date => new Date(iso);
export const plus = (date: Date, ms: number): Date => new Date(date.getTime() + ms);

export interface SnapshotOverrides {
  workspace?: Partial<WorkspaceState>;
  owner?: Partial<OwnerState>;
  template?: Partial<TemplatePolicy>;
  latestBuild?: Partial<BuildState>;
  latestJob?: Partial<JobState>;
}

/** Template defaults of docs/rules.md#entities with every optional behaviour off. */
export const defaultTemplate: TemplatePolicy = {
  defaultTtlMs: 0,
  activityBumpMs: H,
  allowUserAutostart: true,
  allowUserAutostop: true,
  autostartAllowedDays: [...ALL_WEEKDAYS],
  failureTtlMs: 0,
  timeTilDormantMs: 0,
  timeTilDormantAutodeleteMs: 0,
  autostopNotifyBeforeMs: 0,
  requireActiveVersion: false,
  autostopRequirementDays: [],
  autostopRequirementWeeks: 1,
};

/** A workspace started successfully at 2024-01-01T10:00Z, in use until then, with no deadline. */
export function snapshot(overrides: SnapshotOverrides = {}): WorkspaceSnapshot {
  return {
    workspace: {
      id: 'ws-1',
      autostartSchedule: null,
      ttlMs: null,
      lastUsedAt: at('2024-01-01T10:00:00Z'),
      dormantAt: null,
      deletingAt: null,
      nextStartAt: null,
      automaticUpdates: 'never',
      ...overrides.workspace,
    },
    owner: { status: 'active', ...overrides.owner },
    template: { ...defaultTemplate, ...overrides.template },
    latestBuild: {
      buildNumber: 2,
      transition: 'start',
      createdAt: at('2024-01-01T10:00:00Z'),
      deadline: null,
      maxDeadline: null,
      notifiedAutostopDeadline: null,
      ...overrides.latestBuild,
    },
    latestJob: {
      status: 'succeeded',
      completedAt: at('2024-01-01T10:01:00Z'),
      canceledAt: null,
      ...overrides.latestJob,
    },
  };
}

/** Deterministic PRNG (mulberry32) for property-style tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
