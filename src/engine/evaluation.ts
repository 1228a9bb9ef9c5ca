// What crosses the workflow/activity boundary when one workspace is
// evaluated: plain JSON with ISO-8601 instants only (Temporal's converter
// turns a Date into a string and never back). The snapshot itself crosses
// through the core's snapshotToJson/snapshotFromJson pair.
import { autostartCache, type AutostartCache } from '../builds/next-start.js';
import type { Decision, Reason, Transition, WorkspaceSnapshot, WorkspaceSnapshotJson } from '../lifecycle/index.js';

/** The failure type of data no retry can fix: this workspace's evaluation fails, without retries. */
export const INVALID_DATA = 'InvalidData';

/** The decision as it is recorded and returned: the core's Decision, which is plain JSON already. */
export type DecisionJson = Decision;

/** The subset of a decision that the transaction must see unchanged to proceed. */
export function sameAction(a: Decision, b: Decision): boolean {
  return a.transition === b.transition && a.reason === b.reason && a.markDormant === b.markDormant && a.remind === b.remind;
}

export function isNoop(d: Decision): boolean {
  return d.transition === null && !d.markDormant && !d.remind;
}

export interface LoadedEvaluation {
  workspaceId: string;
  snapshot: WorkspaceSnapshotJson;
  /** Whether the §4.5 cache needs writing at this tick even when the decision is nothing. */
  cacheStale: boolean;
}

export interface AutostartCacheState {
  nextStartAt: Date | null;
  autostartBlocked: string | null;
}

/**
 * SPEC §4.5 and §9, as the tick maintains the cache: a NULL next_start_at is
 * recomputed from T, a schedule that can never fire is recorded as blocked
 * (and one that can again is unblocked). Returns null when nothing changes; a
 * non-null next_start_at is left alone (build completion and schedule changes
 * own it).
 */
export function tickAutostartCache(snapshot: WorkspaceSnapshot, stored: AutostartCacheState, T: Date): AutostartCache | null {
  const wanted = autostartCache(snapshot.workspace, snapshot.template, T);
  if (wanted.autostartBlocked !== stored.autostartBlocked) return wanted;
  if (stored.nextStartAt === null && wanted.nextStartAt !== null) return wanted;
  return null;
}

export type SkipReason = 'lock held' | 'already running' | 'blocked' | 'decision changed' | 'race lost' | 'gone';

/** A build this engine created. */
export interface MadeBuild {
  buildId: string;
  buildNumber: number;
  jobId: string;
  transition: Transition;
  reason: Reason;
}

export interface ApplyInput {
  workspaceId: string;
  /** T, ISO-8601. */
  tick: string;
  /** The decision made in workflow code from the snapshot loaded for this evaluation. */
  decision: DecisionJson;
  /** The latest build number that decision was made on. */
  buildNumber: number;
  /** The per-workspace workflow id, recorded on the build; null outside Temporal. */
  workflowId: string | null;
}

/** §4.5: autostart newly recorded as blocked by this transaction. `invalid`: the stored schedule no longer parses. */
export interface BlockedNote {
  reason: string;
  invalid: boolean;
}

export type ApplyResult =
  | {
      status: 'applied';
      build: MadeBuild | null;
      markedDormant: boolean;
      reminded: boolean;
      /** Outbox rows written (deliver after commit). */
      notifications: number;
      blocked: BlockedNote | null;
      /** This decision had already been committed by an earlier attempt of the same activity. */
      replayed: boolean;
    }
  | { status: 'skipped'; reason: Exclude<SkipReason, 'already running' | 'blocked'> }
  | { status: 'refused'; message: string };

/** What one evaluation of a workspace did: the per-workspace workflow's result and the tick's unit of statistics. */
export interface EvaluationOutcome {
  workspaceId: string;
  tick: string;
  kind: 'transition' | 'marked' | 'unchanged' | 'skipped' | 'error';
  decision: DecisionJson | null;
  buildNumber: number | null;
  transition: Transition | null;
  reason: Reason | null;
  markedDormant: boolean;
  reminded: boolean;
  skipped: SkipReason | null;
  error: string | null;
}

/** The `evaluateNow` update's answer (and the CLI's `reevaluate`). */
export interface EvaluateResult {
  decision: DecisionJson | null;
  buildNumber: number | null;
  tick: string;
  outcome: EvaluationOutcome;
}
