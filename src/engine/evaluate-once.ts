// One evaluation of one workspace at T, start to end (SPEC §2 step 2): the
// read, the pure core's decision, and the build transaction
// (src/engine/apply-decision.ts), with the read and the decision made again
// when the transaction finds them stale. The per-workspace workflow runs it as
// one local activity (`evaluate`); the benchmark's direct executor calls it
// from a plain loop.
//
// Safe to run twice: a retry of this run's activity (attempt > 1) that finds
// the build its earlier attempt committed — the latest build, made by this
// workflow id at this T — reports that build again and repeats only the
// idempotent hand-off, instead of deciding anew on the state it left.
import type { LoadedWorkspace } from '../db/load-snapshot.js';
import { decide, type Decision, type Reason, type Transition } from '../lifecycle/index.js';
import { applyDecision, handOff, InvalidDataError, type EngineDeps } from './apply-decision.js';
import { isNoop, type ApplyResult, type DecisionJson, type MadeBuild } from './evaluation.js';
import { cacheStale, readWorkspace } from './load-evaluation.js';

export interface EvaluateOnceInput {
  workspaceId: string;
  /** T, ISO-8601, truncated to the minute. */
  tick: string;
  /** The per-workspace workflow id, recorded on the build; null outside Temporal. */
  workflowId: string | null;
  /** A retry of an attempt that may have committed (the activity's attempt > 1). */
  retry?: boolean;
}

export interface Evaluation {
  /** null: the workspace is gone (deleted, or it has no build). */
  decision: DecisionJson | null;
  /** null: nothing was written (nothing to do, and the §4.5 cache is current). */
  applied: ApplyResult | null;
}

/** A decision that the transaction found stale is re-made from a fresh read, at most this many times. */
const MAX_PASSES = 3;

export async function evaluateOnce(deps: EngineDeps, input: EvaluateOnceInput): Promise<Evaluation> {
  const { workspaceId, tick, workflowId } = input;
  const T = new Date(tick);
  let evaluation: Evaluation = { decision: null, applied: null };
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    const loaded = await readWorkspace(deps.pool, workspaceId);
    if (loaded === null) return { decision: null, applied: null };
    if (pass === 1 && input.retry) {
      const earlier = earlierCommit(loaded, workflowId, T);
      if (earlier) {
        await handOff(deps, input, earlier.build);
        return earlier.evaluation;
      }
    }
    const { decision, stale } = decideOrFail(loaded, T);
    if (isNoop(decision) && !stale) return { decision, applied: null };
    const applied = await applyDecision(deps, {
      workspaceId,
      tick,
      decision,
      buildNumber: loaded.snapshot.latestBuild.buildNumber,
      workflowId,
    });
    evaluation = { decision, applied };
    if (applied.status === 'skipped' && applied.reason === 'decision changed' && pass < MAX_PASSES) {
      deps.log.info('decision changed before commit; deciding again', { workspaceId, tick, pass });
      continue;
    }
    break;
  }
  return evaluation;
}

/** A snapshot the core cannot decide on is invalid data: this workspace's evaluation fails, without retries. */
function decideOrFail(loaded: LoadedWorkspace, T: Date): { decision: Decision; stale: boolean } {
  try {
    return { decision: decide(loaded.snapshot, T), stale: cacheStale(loaded, T) };
  } catch (err) {
    throw new InvalidDataError(`cannot decide: ${(err as Error).message}`);
  }
}

/** The build an earlier attempt of this run committed: the latest build, made by this workflow id at T. */
function earlierCommit(loaded: LoadedWorkspace, workflowId: string | null, T: Date): { build: MadeBuild; evaluation: Evaluation } | null {
  const { snapshot, latestBuild } = loaded;
  if (workflowId === null || latestBuild.workflowId !== workflowId || snapshot.latestBuild.createdAt.getTime() !== T.getTime()) return null;
  const build: MadeBuild = {
    buildId: latestBuild.id,
    buildNumber: snapshot.latestBuild.buildNumber,
    jobId: latestBuild.jobId,
    transition: snapshot.latestBuild.transition as Transition,
    reason: latestBuild.reason as Reason,
  };
  const markedDormant = snapshot.workspace.dormantAt?.getTime() === T.getTime();
  const decision: DecisionJson = {
    transition: build.transition,
    reason: build.reason,
    markDormant: markedDormant,
    remind: false,
    explanation: `build #${build.buildNumber} (${build.transition}/${build.reason}) was committed at ${T.toISOString()} by an earlier attempt of this evaluation`,
  };
  return {
    build,
    evaluation: {
      decision,
      applied: { status: 'applied', build, markedDormant, reminded: false, notifications: 0, blocked: null, replayed: true },
    },
  };
}
