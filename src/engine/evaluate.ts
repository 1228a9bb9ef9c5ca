// One evaluation of one workspace at T, start to end
// (docs/rules.md#the-tick, docs/orchestration.md#the-evaluation): in one
// REPEATABLE READ transaction, take the workspace's row lock (skip when
// another transaction holds it), read it with its owner, template, latest
// build and job, decide with the pure core, write what the decision says,
// and commit; then hand a new build to provisioning. Everything written is
// stamped with T.
//
// Safe to run twice (activities run at least once): an evaluation that wrote
// something records its outcome under its key in the same transaction, and an
// attempt that finds its key returns that outcome and repeats only the
// idempotent hand-off. That key check is the only "did an earlier attempt
// commit this?" question the engine asks.
import type { Client } from '@temporalio/client';
import { startBuild } from '../builds/start-build.js';
import { BuildActiveError, BuildRaceError, type InsertedBuild, insertNextBuild } from '../db/insert-build.js';
import { LOCKED, type LoadedWorkspace, loadSnapshot } from '../db/load-snapshot.js';
import { inTransaction, type Pool, type PoolClient } from '../db/pool.js';
import { findEvaluation, recordEvaluation } from '../db/sql/record-evaluation.js';
import { updateAutostartCache } from '../db/sql/update-autostart-cache.js';
import { autostartCache, type Decision, decide, parseWeeklySchedule, tickCacheUpdate } from '../lifecycle/index.js';
import type { Metrics } from '../metrics/metrics.js';
import { loadPublicUrl } from '../runtime/config.js';
import { markDormant, noticeAutodelete, sendAutodeleteWarning, sendAutostopReminder } from './effects.js';
import { blankOutcome, type EvaluationOutcome } from './outcome.js';

export interface EngineDeps {
  pool: Pool;
  client: Client;
  taskQueue: string;
  /** `client` shares the worker's NativeConnection: builds start eagerly (startBuild). */
  eagerStart?: boolean;
  /** The worker's metrics: each outcome is counted as its transaction ends. */
  metrics?: Metrics;
  /** AUTOBUILD_PUBLIC_URL, the base of the action links in notifications (docs/rules.md#reminder-actions); default its default. */
  publicUrl?: string;
}

export interface EvaluateInput {
  workspaceId: string;
  /** T, ISO-8601, truncated to the minute. */
  tick: string;
  /** The per-workspace workflow, recorded on a build it makes. */
  workflowId: string;
  /** Names this evaluation across all its attempts (`<workflow id>/<run id>/<evaluation>`). */
  key: string;
}

/** Data that no retry can fix (a value the core cannot decide on, a row a constraint refuses): fail this workspace only. */
export class InvalidDataError extends Error {
  override readonly name = 'InvalidDataError';
}

const SERIALIZATION_RETRIES = 3;

export async function evaluateWorkspace(deps: EngineDeps, input: EvaluateInput): Promise<EvaluationOutcome> {
  const T = new Date(input.tick);
  const publicUrl = deps.publicUrl ?? loadPublicUrl({});
  for (let attempt = 1; ; attempt++) {
    let outcome: EvaluationOutcome;
    const clock: ReadClock = { readAt: null, mark: 0 };
    try {
      outcome = await inTransaction(deps.pool, (client) => transact(client, input, T, clock, publicUrl), 'REPEATABLE READ');
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Another transaction changed the row between our snapshot and our lock: read again.
      if ((code === '40001' || code === '40P01') && attempt < SERIALIZATION_RETRIES) continue;
      throw classifyError(err);
    }
    // When the transaction ended by the database's clock: its reading of the clock, plus the time since (monotonic).
    deps.metrics?.evaluated(outcome, clock.readAt === null ? null : clock.readAt + (performance.now() - clock.mark));
    if (outcome.kind === 'transition') await handOff(deps, outcome);
    return outcome;
  }
}

/** After COMMIT: the build's workflow `build/<jobId>`, started with the build's search attributes (idempotent). */
async function handOff(deps: EngineDeps, o: EvaluationOutcome): Promise<void> {
  await startBuild(deps.client, deps.taskQueue, o.jobId!, {
    build: { workspaceId: o.workspaceId, transition: o.transition!, reason: o.reason!, tick: o.tick },
    eager: deps.eagerStart,
  });
}

/** The database clock as the snapshot read it, and the monotonic instant of that read (for the tick lag metric). */
interface ReadClock {
  readAt: number | null;
  mark: number;
}

async function transact(
  client: PoolClient,
  input: EvaluateInput,
  T: Date,
  clock: ReadClock,
  publicUrl: string,
): Promise<EvaluationOutcome> {
  const base = blankOutcome(input.workspaceId, input.tick);
  const loaded = await loadSnapshot(client, input.workspaceId, { lock: 'skip', evaluationKey: input.key });
  if (loaded !== null && loaded !== LOCKED) {
    clock.readAt = loaded.readAt.getTime();
    clock.mark = performance.now();
  }
  if (loaded === LOCKED) {
    // Held by someone else: if an earlier attempt of this evaluation committed, that is the answer.
    const earlier = await findEvaluation(client, input.key);
    return earlier !== null ? { ...(earlier as EvaluationOutcome), replayed: true } : { ...base, kind: 'skipped', skipped: 'lock held' };
  }
  if (loaded === null || loaded.deleted) return { ...base, kind: 'skipped', skipped: 'gone' };
  if (loaded.earlier !== null) return { ...(loaded.earlier as EvaluationOutcome), replayed: true };

  const { snapshot } = loaded;
  const decision = decideOrFail(loaded, T);
  // A skipped catch-up moves next_start_at past T, so it is neither made nor skipped again (docs/rules.md#catch-up-after-downtime).
  const cache = decision.catchupSkipped
    ? autostartCache(snapshot.workspace, snapshot.template, T, snapshot.holidays)
    : decision.markDormant
      ? null
      : tickCacheUpdate(snapshot, loaded.autostartBlocked, T);
  const decided = { ...base, decision };
  if (decision.transition === null && !decision.markDormant && !decision.remind && !decision.warnDelete && cache === null) return decided;

  let build: InsertedBuild | null = null;
  if (decision.transition !== null) {
    try {
      build = await insertNextBuild(client, loaded, {
        transition: decision.transition,
        reason: decision.reason!,
        initiatorId: loaded.ownerId,
        workflowId: input.workflowId,
        createdAt: T,
      });
    } catch (err) {
      // Nothing was written: a dormancy mark waits for the build it needs (docs/rules.md#dormancy).
      if (err instanceof BuildActiveError) return { ...decided, kind: 'error', error: err.message };
      if (err instanceof BuildRaceError) return { ...decided, kind: 'skipped', skipped: 'race lost' };
      throw err;
    }
  }
  // After the build row: the stop build's job has not run yet.
  if (decision.markDormant) await markDormant(client, loaded, T, decision.explanation);
  const deadline = snapshot.latestBuild.deadline;
  const reminded = decision.remind && deadline !== null && (await sendAutostopReminder(client, loaded, deadline, publicUrl));
  const deletingAt = snapshot.workspace.deletingAt;
  const warned =
    decision.warnDelete === true && deletingAt !== null && (await sendAutodeleteWarning(client, loaded, deletingAt, publicUrl));
  if (build !== null && decision.reason === 'autodelete') await noticeAutodelete(client, loaded, build);
  if (cache !== null) await updateAutostartCache(client, input.workspaceId, cache);

  const outcome = outcomeOf(decided, decision, build, { reminded, warned }, cache?.autostartBlocked ?? null, loaded);
  await recordEvaluation(client, input.key, input.workspaceId, outcome);
  return outcome;
}

function outcomeOf(
  decided: EvaluationOutcome,
  decision: Decision,
  build: InsertedBuild | null,
  { reminded, warned }: { reminded: boolean; warned: boolean },
  blocked: string | null,
  loaded: LoadedWorkspace,
): EvaluationOutcome {
  // `warnedDelete` only when sent, so outcomes without it read as before.
  const done = { ...decided, markedDormant: decision.markDormant, reminded, ...(warned && { warnedDelete: true as const }) };
  if (build !== null) {
    return {
      ...done,
      kind: 'transition',
      buildNumber: build.buildNumber,
      jobId: build.jobId,
      transition: decision.transition,
      reason: decision.reason,
    };
  }
  if (done.markedDormant || reminded || warned) return { ...done, kind: 'marked' };
  if (decision.catchupSkipped) return { ...done, kind: 'skipped', skipped: 'catch-up' };
  // Autostart newly recorded as blocked (docs/rules.md#the-next_start_at-cache): reported once.
  if (blocked !== null && loaded.autostartBlocked === null) {
    return parses(loaded)
      ? { ...done, kind: 'skipped', skipped: 'blocked' }
      : { ...done, kind: 'error', error: `autostart blocked: ${blocked}`, invalidData: true };
  }
  return done;
}

/** A schedule blocked because it no longer parses is an error to report; blocked for another reason, a skip. */
function parses(loaded: LoadedWorkspace): boolean {
  const spec = loaded.snapshot.workspace.autostartSchedule;
  if (spec === null) return true;
  try {
    parseWeeklySchedule(spec);
    return true;
  } catch {
    return false;
  }
}

/** A snapshot the core cannot decide on is invalid data: this workspace's evaluation fails, without retries. */
function decideOrFail(loaded: LoadedWorkspace, T: Date): Decision {
  try {
    return decide(loaded.snapshot, T);
  } catch (err) {
    throw new InvalidDataError(`cannot decide: ${(err as Error).message}`);
  }
}

/** Database faults stay retryable; data no retry can fix becomes InvalidDataError. */
function classifyError(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))) {
    return new InvalidDataError(`invalid data: ${(err as Error).message}`);
  }
  if (err instanceof RangeError || err instanceof TypeError || (err as Error)?.name === 'ScheduleError') {
    return new InvalidDataError((err as Error).message);
  }
  return err;
}
