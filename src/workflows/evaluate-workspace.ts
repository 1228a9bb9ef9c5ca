// One workspace, one workflow id (`workspace/<id>`): at most one evaluation of
// a workspace runs at a time across ticks, signals and engine replicas. An
// evaluation is one local activity (`evaluate`: read, the core's decision, the
// build transaction) whose result, the decision with its explanation and what
// was written, is in the history. Runs started without `evaluateInActivity`
// take the earlier path: two local activities, the decision made here.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  log,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { INVALID_DATA, isNoop, type ApplyResult, type EvaluateResult, type EvaluationOutcome } from '../engine/evaluation.js';
import {
  decide,
  snapshotFromJson,
  truncateToMinute,
  type Decision,
  type WorkspaceSnapshot,
  type WorkspaceSnapshotJson,
} from '../lifecycle/index.js';
import { deliverOutbox } from './notifications.js';
import { evaluateNowUpdate, reevaluateSignal } from './messages.js';
import { REASON, TICK_TIME, TRANSITION } from './search-attributes.js';

export { workspaceWorkflowId } from './messages.js';

export interface EvaluateWorkspaceInput {
  workspaceId: string;
  /** T (ISO-8601) when started by a tick; absent when started by evaluateNow, the reevaluate signal or by hand. */
  tick?: string;
  /**
   * Set by every starter since Transition/Reason became the build's search
   * attributes only (see finishOutcome()). Runs started without it — recorded
   * before, or by hand — upsert them on the evaluation as before, so their
   * histories replay. Not a Temporal patch: `patched()` itself upserts a
   * search attribute (TemporalChangeVersion), the very write this saves.
   */
  buildCarriesSearchAttributes?: boolean;
  /**
   * Set by every starter since the read, the decision and the transaction
   * became one local activity (`evaluate`): one workflow activation, one
   * local-activity dispatch and one marker event fewer per evaluation. Runs
   * started without it read and apply in two local activities and decide in
   * workflow code, as before, so their histories replay.
   */
  evaluateInActivity?: boolean;
}

// Short database work as local activities: no task-queue round trip and three
// fewer history events per call; the dev server is the bottleneck (notes E9).
// Database faults are retried with backoff; invalid data is not (INVALID_DATA).
const { evaluate, loadWorkspace, applyDecision } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [INVALID_DATA],
  },
});

/** A decision that the transaction found stale is re-made from a fresh read, at most this many times. */
const MAX_PASSES = 3;
/**
 * How long a run started without a tick waits for the message that started it
 * before it evaluates on its own (a run started by hand). Signal- and
 * update-with-start deliver the message in the first workflow task, so they
 * never wait; a message that comes later is answered by an evaluation of its own.
 */
const MESSAGE_WAIT = '1 second';

export async function evaluateWorkspace(input: EvaluateWorkspaceInput): Promise<EvaluationOutcome> {
  const { workspaceId } = input;
  /** Ids of the messages waiting for an evaluation. */
  const requests: number[] = [];
  const answers = new Map<number, EvaluationOutcome | { failure: string }>();
  let nextId = 0;

  setHandler(reevaluateSignal, () => {
    requests.push(nextId++);
  });
  setHandler(
    evaluateNowUpdate,
    async (): Promise<EvaluateResult> => {
      const id = nextId++;
      requests.push(id);
      await condition(() => answers.has(id));
      const answer = answers.get(id)!;
      if ('failure' in answer) throw ApplicationFailure.nonRetryable(answer.failure, INVALID_DATA);
      return toResult(answer);
    },
    { description: 'Evaluate this workspace at the current minute; returns the decision and any build made.' },
  );

  const run = (tick: string) =>
    evaluateAt(workspaceId, tick, {
      buildCarriesSearchAttributes: input.buildCarriesSearchAttributes === true,
      inActivity: input.evaluateInActivity === true,
    });

  let result: EvaluationOutcome | { failure: string } | null = null;
  if (input.tick !== undefined) {
    result = await attempt(() => run(truncateIso(input.tick!)));
  } else if (!(await condition(() => requests.length > 0, MESSAGE_WAIT))) {
    result = await attempt(() => run(currentMinute())); // started by hand, without a message
  }

  // Messages: all those waiting share one evaluation at the current minute.
  // Stop once every handler has its answer and nothing else is waiting.
  for (;;) {
    await condition(() => requests.length > 0 || allHandlersFinished());
    if (requests.length === 0) break;
    const batch = requests.splice(0);
    const answer = await attempt(() => run(currentMinute()));
    for (const id of batch) answers.set(id, answer);
    if (result === null || input.tick === undefined) result = answer;
  }

  if (result === null) throw ApplicationFailure.nonRetryable('no evaluation was requested', INVALID_DATA);
  if ('failure' in result) throw ApplicationFailure.nonRetryable(result.failure, INVALID_DATA);
  return result;
}

/** Invalid data fails this workspace's evaluation (not the worker, not other workspaces). */
async function attempt(fn: () => Promise<EvaluationOutcome>): Promise<EvaluationOutcome | { failure: string }> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
      return { failure: err.cause.message };
    }
    if (err instanceof ApplicationFailure && err.nonRetryable) return { failure: err.message };
    throw err;
  }
}

interface RunOptions {
  buildCarriesSearchAttributes: boolean;
  inActivity: boolean;
}

async function evaluateAt(workspaceId: string, tick: string, options: RunOptions): Promise<EvaluationOutcome> {
  const finish = (o: EvaluationOutcome) => finishOutcome(o, options.buildCarriesSearchAttributes);
  const { workflowId, typedSearchAttributes } = workflowInfo();
  // A tick starts its children with TickTime set; each upsert is one more event and visibility write.
  if (typedSearchAttributes.get(TICK_TIME)?.getTime() !== new Date(tick).getTime()) {
    upsertSearchAttributes([{ key: TICK_TIME, value: new Date(tick) }]);
  }
  let outcome: EvaluationOutcome = blank(workspaceId, tick);
  if (options.inActivity) {
    // The read, the core's decision and the transaction in one local activity: its
    // result (the decision with its explanation, and what was written) is the history's record.
    const { decision, applied } = await evaluate({ workspaceId, tick, workflowId });
    if (decision === null) return { ...outcome, kind: 'skipped', skipped: 'gone' };
    outcome = { ...outcome, decision };
    if (applied === null) return finish({ ...outcome, kind: 'unchanged' });
    return finishApplied(outcome, applied, finish);
  }
  // Runs started before evaluateInActivity: the read and the transaction are two local
  // activities and the decision is made here, in workflow code.
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    const loaded = await loadWorkspace({ workspaceId, tick });
    if (loaded === null) return { ...outcome, kind: 'skipped', skipped: 'gone' };
    const { snapshot, decision } = decideOrFail(loaded.snapshot, tick);
    outcome = { ...outcome, decision };
    if (isNoop(decision) && !loaded.cacheStale) return finish({ ...outcome, kind: 'unchanged' });

    const applied = await applyDecision({ workspaceId, tick, decision, buildNumber: snapshot.latestBuild.buildNumber, workflowId });
    if (applied.status === 'skipped' && applied.reason === 'decision changed' && pass < MAX_PASSES) {
      log.info('decision changed before commit; deciding again', { workspaceId, tick, pass });
      continue;
    }
    return finishApplied(outcome, applied, finish);
  }
  return finish({ ...outcome, kind: 'skipped', skipped: 'decision changed' });
}

async function finishApplied(
  outcome: EvaluationOutcome,
  applied: ApplyResult,
  finish: (o: EvaluationOutcome) => EvaluationOutcome,
): Promise<EvaluationOutcome> {
  if (applied.status === 'applied' && applied.notifications > 0) await deliverInBackground(outcome.workspaceId, outcome.tick);
  const done = finish(toOutcome(outcome, applied));
  // A stored schedule that no longer parses is invalid data: recorded as blocked (it leaves the
  // candidates), then this workspace's evaluation fails, once, without retries.
  if (done.kind === 'error' && applied.status === 'applied') throw ApplicationFailure.nonRetryable(done.error!, INVALID_DATA);
  return done;
}

/**
 * The outbox rows are committed; deliver them now without making this
 * evaluation (and the tick that waits for it) wait for a slow or failing sink.
 * The worker's outbox sweep covers a delivery that never starts.
 */
async function deliverInBackground(workspaceId: string, tick: string): Promise<void> {
  try {
    await startChild(deliverOutbox, {
      workflowId: `notify/${workspaceId}/${tick}`,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `deliver notifications of workspace ${workspaceId} at ${tick}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** A snapshot the core cannot read or decide on is invalid data: fail this evaluation, not the workflow task. */
function decideOrFail(json: WorkspaceSnapshotJson, tick: string): { snapshot: WorkspaceSnapshot; decision: Decision } {
  try {
    const snapshot = snapshotFromJson(json);
    return { snapshot, decision: decide(snapshot, new Date(tick)) };
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`cannot decide: ${(err as Error).message}`, INVALID_DATA);
  }
}

function toOutcome(base: EvaluationOutcome, applied: ApplyResult): EvaluationOutcome {
  switch (applied.status) {
    case 'skipped':
      return { ...base, kind: 'skipped', skipped: applied.reason };
    case 'refused':
      return { ...base, kind: 'error', error: applied.message };
    case 'applied': {
      const { build, markedDormant, reminded, blocked } = applied;
      const done = { ...base, markedDormant, reminded };
      if (build) {
        return { ...done, kind: 'transition', buildNumber: build.buildNumber, transition: build.transition, reason: build.reason };
      }
      if (markedDormant || reminded) return { ...done, kind: 'marked' };
      if (blocked?.invalid) return { ...done, kind: 'error', error: `autostart blocked: ${blocked.reason}` };
      if (blocked) return { ...done, kind: 'skipped', skipped: 'blocked' };
      return { ...done, kind: 'unchanged' };
    }
  }
}

function finishOutcome(outcome: EvaluationOutcome, buildCarriesSearchAttributes: boolean): EvaluationOutcome {
  const { workspaceId, tick, kind, decision } = outcome;
  // Transition/Reason are the build's search attributes (its workflow starts with them and TickTime):
  // an upsert here cost one more event and one more visibility write per transition. Runs recorded
  // before this change made it; they still replay (test/histories, test/orchestration/replay.test.ts).
  if (kind === 'transition' && !buildCarriesSearchAttributes) {
    upsertSearchAttributes([
      { key: TRANSITION, value: outcome.transition! },
      { key: REASON, value: outcome.reason! },
    ]);
  }
  const summary = describe(outcome);
  setCurrentDetails(summary);
  const fields = { workspaceId, tick, kind, transition: outcome.transition, reason: outcome.reason ?? decision?.reason ?? null };
  if (kind === 'error') log.warn(summary, fields);
  else log.info(summary, fields);
  return outcome;
}

function describe(o: EvaluationOutcome): string {
  const at = `at ${o.tick}`;
  const why = o.decision ? ` — ${o.decision.explanation}` : '';
  switch (o.kind) {
    case 'transition':
      return `**${o.transition}/${o.reason}** ${at}: build #${o.buildNumber}${why}`;
    case 'marked':
      return `${[o.markedDormant && 'marked dormant', o.reminded && 'autostop reminder sent'].filter(Boolean).join(', ')} ${at}${why}`;
    case 'skipped':
      return `skipped (${o.skipped}) ${at}${why}`;
    case 'error':
      return `error ${at}: ${o.error}${why}`;
    case 'unchanged':
      return `nothing to do ${at}${why}`;
  }
}

function blank(workspaceId: string, tick: string): EvaluationOutcome {
  return {
    workspaceId,
    tick,
    kind: 'unchanged',
    decision: null,
    buildNumber: null,
    transition: null,
    reason: null,
    markedDormant: false,
    reminded: false,
    skipped: null,
    error: null,
  };
}

function toResult(outcome: EvaluationOutcome): EvaluateResult {
  return { decision: outcome.decision, buildNumber: outcome.buildNumber, tick: outcome.tick, outcome };
}

/** Workflow time is deterministic (it comes from the history). */
function currentMinute(): string {
  return truncateToMinute(new Date()).toISOString();
}

function truncateIso(iso: string): string {
  return truncateToMinute(new Date(iso)).toISOString();
}
