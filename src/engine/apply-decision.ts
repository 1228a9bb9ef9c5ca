// SPEC §6 and §2 step 2: the per-workspace build transaction. It re-reads the
// workspace under its row lock at REPEATABLE READ, re-decides at T, and acts
// only when the decision and the latest build are still the ones the caller
// decided on; everything it writes is stamped with T (§2.2). Hand-offs
// outside the database (the build workflow) happen after commit.
//
// Safe to run twice (Temporal activities run at least once): an attempt that
// finds its own earlier commit — the latest build is the next number, made by
// this workflow id at this T — reports that commit again and repeats only the
// idempotent hand-off.
import type { Client } from '@temporalio/client';
import { startBuild } from '../builds/start-build.js';
import { BuildActiveError, BuildRaceError, WorkspaceGoneError, insertBuild } from '../db/insert-build.js';
import { LOCKED, loadSnapshot, type LoadedWorkspace } from '../db/load-snapshot.js';
import type { Pool, PoolClient } from '../db/pool.js';
import { markDormant } from '../db/sql/mark-dormant.js';
import { stampAutostopReminder } from '../db/sql/stamp-autostop-reminder.js';
import { updateAutostartCache } from '../db/sql/update-autostart-cache.js';
import { decide, parseWeeklySchedule, type Reason, type Transition } from '../lifecycle/index.js';
import { insertNotification } from '../notifications/outbox.js';
import type { Logger } from '../runtime/logger.js';
import { sameAction, tickAutostartCache, type ApplyInput, type ApplyResult, type BlockedNote, type MadeBuild } from './evaluation.js';

export interface EngineDeps {
  pool: Pool;
  client: Client;
  taskQueue: string;
  log: Logger;
  /** `client` shares the worker's NativeConnection: builds start eagerly (startBuild). */
  eagerStart?: boolean;
}

/** Data that no retry can fix (a constraint the row breaks, a value that does not convert): fail this workspace only. */
export class InvalidDataError extends Error {
  override readonly name = 'InvalidDataError';
}

const SERIALIZATION_RETRIES = 3;

export async function applyDecision(deps: EngineDeps, input: ApplyInput): Promise<ApplyResult> {
  const T = new Date(input.tick);
  for (let attempt = 1; ; attempt++) {
    let committed: Committed;
    try {
      committed = await inRepeatableRead(deps.pool, (client) => transact(client, input, T));
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Another transaction changed the row after our snapshot began: re-read, as §2 step 2 says.
      if ((code === '40001' || code === '40P01') && attempt < SERIALIZATION_RETRIES) continue;
      throw classifyError(err);
    }
    if (committed.result.status === 'applied' && committed.result.build) await handOff(deps, input, committed.result.build);
    // The transition's log line is the evaluation workflow's (src/workflows/evaluate-workspace.ts, finishOutcome):
    // with its explanation, and once, however often this activity runs.
    return committed.result;
  }
}

/** After COMMIT: the build's workflow (idempotent: `build/<jobId>`), with the build's search attributes. */
export async function handOff(deps: EngineDeps, input: { workspaceId: string; tick: string }, build: MadeBuild): Promise<void> {
  const { jobId, transition, reason } = build;
  await startBuild(deps.client, deps.taskQueue, jobId, {
    build: { workspaceId: input.workspaceId, transition, reason, tick: input.tick },
    eager: deps.eagerStart,
  });
}

interface Committed {
  result: ApplyResult;
}

async function transact(client: PoolClient, input: ApplyInput, T: Date): Promise<Committed> {
  const loaded = await loadSnapshot(client, input.workspaceId, { lock: 'skip' });
  if (loaded === LOCKED) return { result: { status: 'skipped', reason: 'lock held' } };
  if (loaded === null || loaded.deleted) return { result: { status: 'skipped', reason: 'gone' } };

  const replay = previousCommit(loaded, input, T);
  if (replay) return { result: replay };

  const { snapshot } = loaded;
  const decision = decide(snapshot, T);
  if (!sameAction(decision, input.decision) || snapshot.latestBuild.buildNumber !== input.buildNumber) {
    return { result: { status: 'skipped', reason: 'decision changed' } };
  }

  let build: MadeBuild | null = null;
  if (decision.transition !== null) {
    try {
      const inserted = await insertBuild(client, {
        workspaceId: input.workspaceId,
        transition: decision.transition,
        reason: decision.reason!,
        initiatorId: loaded.ownerId,
        workflowId: input.workflowId,
        createdAt: T,
        expectedLatestBuildNumber: input.buildNumber,
      });
      build = { ...inserted, transition: decision.transition, reason: decision.reason! };
    } catch (err) {
      // Nothing was written; the transaction rolls back with the error's outcome.
      if (err instanceof BuildActiveError) return rollback({ status: 'refused', message: err.message });
      if (err instanceof BuildRaceError) return rollback({ status: 'skipped', reason: 'race lost' });
      if (err instanceof WorkspaceGoneError) return rollback({ status: 'skipped', reason: 'gone' });
      throw err;
    }
  }

  let notifications = 0;
  const notify = async (n: Parameters<typeof insertNotification>[1]) => {
    await insertNotification(client, n);
    notifications++;
  };

  if (decision.markDormant) {
    // After the build row (§6): the stop build's job has not run yet.
    const autodeleteMs = snapshot.template.timeTilDormantAutodeleteMs;
    const deletingAt = autodeleteMs > 0 ? new Date(T.getTime() + autodeleteMs) : null;
    await markDormant(client, input.workspaceId, { dormantAt: T, deletingAt });
    await notify({
      kind: 'workspace_dormant',
      workspaceId: input.workspaceId,
      userId: loaded.ownerId,
      payload: {
        workspaceName: loaded.workspaceName,
        owner: loaded.ownerName,
        dormantAt: T.toISOString(),
        deletingAt: deletingAt?.toISOString() ?? null,
        reason: decision.explanation,
      },
      dedupeKey: `dormant:${input.workspaceId}:${T.toISOString()}`,
    });
  }

  let reminded = false;
  if (decision.remind && snapshot.latestBuild.deadline !== null) {
    const deadline = snapshot.latestBuild.deadline;
    reminded = await stampAutostopReminder(client, loaded.latestBuild.id, deadline);
    if (reminded) {
      await notify({
        kind: 'autostop_reminder',
        workspaceId: input.workspaceId,
        userId: loaded.ownerId,
        payload: { workspaceName: loaded.workspaceName, owner: loaded.ownerName, deadline: deadline.toISOString() },
        dedupeKey: `reminder:${input.workspaceId}:${deadline.toISOString()}`,
      });
    }
  }

  if (build !== null && build.reason === 'autodelete') {
    await notify({
      kind: 'workspace_autodeleted',
      workspaceId: input.workspaceId,
      userId: loaded.ownerId,
      payload: {
        workspaceName: loaded.workspaceName,
        owner: loaded.ownerName,
        buildNumber: build.buildNumber,
        dormantAt: snapshot.workspace.dormantAt?.toISOString() ?? null,
      },
      dedupeKey: `autodelete:${build.buildId}`,
    });
  }

  // §4.5 / §9: maintain the autostart cache at T, unless dormancy just cleared it.
  let blocked: BlockedNote | null = null;
  if (!decision.markDormant) {
    const cache = tickAutostartCache(
      snapshot,
      { nextStartAt: snapshot.workspace.nextStartAt, autostartBlocked: loaded.autostartBlocked },
      T,
    );
    if (cache !== null) {
      await updateAutostartCache(client, input.workspaceId, cache);
      if (cache.autostartBlocked !== null && loaded.autostartBlocked === null) {
        blocked = { reason: cache.autostartBlocked, invalid: !parses(snapshot.workspace.autostartSchedule) };
      }
    }
  }

  return {
    result: { status: 'applied', build, markedDormant: decision.markDormant, reminded, notifications, blocked, replayed: false },
  };
}

/** A result that must not commit anything: thrown through the transaction helper and caught by it. */
class Rollback {
  constructor(readonly result: ApplyResult) {}
}

function rollback(result: ApplyResult): never {
  throw new Rollback(result);
}

/**
 * The same decision committed by an earlier attempt of this activity (the
 * worker died or lost the reply after COMMIT): the latest build is the next
 * number, made by this workflow id at this T; or, for a mark without a build,
 * the mark is there with this T.
 */
function previousCommit(loaded: LoadedWorkspace, input: ApplyInput, T: Date): ApplyResult | null {
  const { snapshot, latestBuild } = loaded;
  const d = input.decision;
  const common = { status: 'applied' as const, notifications: 0, blocked: null, replayed: true };
  if (d.transition !== null) {
    const ours =
      input.workflowId !== null &&
      latestBuild.workflowId === input.workflowId &&
      snapshot.latestBuild.buildNumber === input.buildNumber + 1 &&
      snapshot.latestBuild.createdAt.getTime() === T.getTime() &&
      snapshot.latestBuild.transition === d.transition &&
      latestBuild.reason === d.reason;
    if (!ours) return null;
    const build: MadeBuild = {
      buildId: latestBuild.id,
      buildNumber: snapshot.latestBuild.buildNumber,
      jobId: latestBuild.jobId,
      transition: d.transition as Transition,
      reason: d.reason as Reason,
    };
    return { ...common, build, markedDormant: d.markDormant, reminded: false };
  }
  if (snapshot.latestBuild.buildNumber !== input.buildNumber) return null;
  if (d.markDormant && snapshot.workspace.dormantAt?.getTime() === T.getTime()) {
    return { ...common, build: null, markedDormant: true, reminded: false };
  }
  return null;
}

async function inRepeatableRead(pool: Pool, fn: (client: PoolClient) => Promise<Committed>): Promise<Committed> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const committed = await fn(client);
    await client.query('COMMIT');
    return committed;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    if (err instanceof Rollback) return { result: err.result };
    throw err;
  } finally {
    client.release();
  }
}

function parses(schedule: string | null): boolean {
  if (schedule === null) return true;
  try {
    parseWeeklySchedule(schedule);
    return true;
  } catch {
    return false;
  }
}

/** Database faults stay retryable; data no retry can fix becomes InvalidDataError. */
export function classifyError(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))) {
    return new InvalidDataError(`invalid data: ${(err as Error).message}`);
  }
  if (err instanceof RangeError || err instanceof TypeError || (err as Error)?.name === 'ScheduleError') {
    return new InvalidDataError((err as Error).message);
  }
  return err;
}
