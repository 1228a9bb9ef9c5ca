// One workspace, one workflow id (`workspace/<id>`): at most one evaluation of
// a workspace runs at a time across ticks, signals and engine replicas. An
// evaluation is one local activity (`evaluate`: read, the core's decision, the
// build transaction) whose result — the decision with its explanation and what
// was written — is in the history (docs/orchestration.md#the-evaluation).
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { type EvaluateResult, type EvaluationOutcome, INVALID_DATA } from '../engine/outcome.js';
// Only this small module of the core: the workflow bundle carries no more of it.
import { truncateToMinute } from '../lifecycle/time.js';
import { evaluateNowUpdate, reevaluateSignal } from './messages.js';
import { TICK_TIME } from './search-attributes.js';

export { workspaceWorkflowId } from './messages.js';

export interface EvaluateWorkspaceInput {
  workspaceId: string;
  /** T (ISO-8601) when started by a tick; absent when started by evaluateNow, the reevaluate signal or by hand. */
  tick?: string;
}

// Short database work as a local activity: no task-queue round trip and three
// fewer history events per call (docs/orchestration.md#local-or-regular-activities).
// Database faults are retried with backoff; invalid data is not (INVALID_DATA).
const { evaluate } = proxyLocalActivities<Activities>({
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
      return { decision: answer.decision, buildNumber: answer.buildNumber, tick: answer.tick, outcome: answer };
    },
    { description: 'Evaluate this workspace at the current minute; returns the decision and any build made.' },
  );

  let result: EvaluationOutcome | { failure: string } | null = null;
  /** Evaluations so far in this run: with the run, it names each one across its attempts. */
  let evaluations = 0;
  if (input.tick !== undefined) {
    result = await attempt(workspaceId, truncateIso(input.tick), ++evaluations);
  } else if (!(await condition(() => requests.length > 0, MESSAGE_WAIT))) {
    result = await attempt(workspaceId, currentMinute(), ++evaluations); // started by hand, without a message
  }

  // Messages: all those waiting share one evaluation at the current minute.
  // Stop once every handler has its answer and nothing else is waiting.
  for (;;) {
    await condition(() => requests.length > 0 || allHandlersFinished());
    if (requests.length === 0) break;
    const batch = requests.splice(0);
    const answer = await attempt(workspaceId, currentMinute(), ++evaluations);
    for (const id of batch) answers.set(id, answer);
    if (result === null || input.tick === undefined) result = answer;
  }

  if (result === null) throw ApplicationFailure.nonRetryable('no evaluation was requested', INVALID_DATA);
  if ('failure' in result) throw ApplicationFailure.nonRetryable(result.failure, INVALID_DATA);
  return result;
}

/**
 * One evaluation at `tick`. Invalid data fails this workspace's evaluation
 * (not the worker, not other workspaces): a value the core cannot decide on,
 * or a stored schedule that no longer parses, which is recorded as blocked
 * first so that the workspace leaves the candidates and fails once.
 */
async function attempt(workspaceId: string, tick: string, evaluation: number): Promise<EvaluationOutcome | { failure: string }> {
  // A tick starts its children with TickTime set; each upsert is one more event and visibility write.
  if (workflowInfo().typedSearchAttributes.get(TICK_TIME)?.getTime() !== new Date(tick).getTime()) {
    upsertSearchAttributes([{ key: TICK_TIME, value: new Date(tick) }]);
  }
  let outcome: EvaluationOutcome;
  try {
    outcome = await evaluate({ workspaceId, tick, evaluation });
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
      return { failure: err.cause.message };
    }
    throw err;
  }
  const summary = describe(outcome);
  setCurrentDetails(summary);
  const fields = {
    workspaceId,
    tick,
    kind: outcome.kind,
    transition: outcome.transition,
    reason: outcome.reason ?? outcome.decision?.reason ?? null,
  };
  if (outcome.kind === 'error') log.warn(summary, fields);
  else log.info(summary, fields);
  return outcome.invalidData ? { failure: outcome.error! } : outcome;
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

/** Workflow time is deterministic (it comes from the history). */
function currentMinute(): string {
  return truncateToMinute(new Date()).toISOString();
}

function truncateIso(iso: string): string {
  return truncateToMinute(new Date(iso)).toISOString();
}
