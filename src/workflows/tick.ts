// The tick (docs/rules.md#the-tick): evaluates every candidate workspace at the minute T.
// Candidates come a page at a time from the index-backed query; each page's
// children run in a sliding window of bounded size, and the tick continues as
// new between pages, so neither pending children nor the
// history grow with the number of workspaces.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ChildWorkflowFailure,
  continueAsNew,
  log,
  ParentClosePolicy,
  patched,
  proxyLocalActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { EvaluationOutcome } from '../engine/outcome.js';
// Only this small module of the core: the workflow bundle carries no more of it.
import { truncateToMinute } from '../lifecycle/time.js';
import { evaluateWorkspace } from './evaluate-workspace.js';
import { workspaceWorkflowId } from './messages.js';
import { SCHEDULED_START_TIME, TICK_TIME, WORKSPACE_ID } from './search-attributes.js';
import { metrics } from './sinks.js';
import { emptyStats, record, recordError, recordSkip, type TickStats } from './tick-stats.js';

export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_BATCH_SIZE = 100;
/** The patch that records the completed tick after the last page (docs/orchestration.md#changing-workflow-code). */
export const RECORD_COMPLETED_TICK = 'record-completed-tick';

export interface TickInput {
  /** T for a manual tick (ISO-8601 with an explicit offset); truncated to the minute. Scheduled runs leave it out. */
  at?: string;
  /** Candidates per run; the tick continues as new after each full page. */
  pageSize?: number;
  /** Children in flight at most (a sliding window). */
  batchSize?: number;
  /** Continue-as-new state: the last workspace id of the previous page. */
  cursor?: string | null;
  /** Continue-as-new state: the statistics so far. */
  stats?: TickStats;
}

// The candidate query is one short read: a local activity (docs/orchestration.md).
const { findCandidatePage, recordTickCompleted } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function tick(input: TickInput = {}): Promise<TickStats> {
  const T = tickTime(input);
  const pageSize = positive(input.pageSize, DEFAULT_PAGE_SIZE);
  const batchSize = positive(input.batchSize, DEFAULT_BATCH_SIZE);
  const stats = input.stats ?? emptyStats(T, new Date().toISOString());
  upsertSearchAttributes([{ key: TICK_TIME, value: new Date(T) }]);

  const page = await findCandidatePage({ at: T, afterId: input.cursor ?? null, limit: pageSize });
  stats.candidates += page.length;
  // A sliding window: at most batchSize children in flight, and each one that
  // ends makes room for the next at once, so a slow child holds one slot, not
  // the whole batch (docs/benchmarks.md#the-ticks-window: about 100 in flight is the fastest).
  let next = 0;
  const lane = async () => {
    while (next < page.length) {
      const id = page[next++]!;
      const outcome = await evaluateChild(id, T);
      if (outcome === 'already running') recordSkip(stats, id, 'already running');
      else if (typeof outcome === 'string') recordError(stats, id, outcome);
      else record(stats, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(batchSize, page.length) }, lane));

  stats.elapsedMs = Date.now() - new Date(stats.startedAt).getTime();
  stats.historyLength = Math.max(stats.historyLength ?? 0, workflowInfo().historyLength);
  if (page.length === pageSize) {
    log.info('tick page done; continuing as new', { tick: T, candidates: stats.candidates });
    return continueAsNew<typeof tick>({
      at: T,
      pageSize,
      batchSize,
      cursor: page[page.length - 1]!,
      stats: { ...stats, continuedAsNew: stats.continuedAsNew + 1 },
    });
  }
  // The record that "down" is measured from (docs/rules.md#catch-up-after-downtime); runs that began before it existed skip it.
  if (patched(RECORD_COMPLETED_TICK)) await recordTickCompleted({ at: T });
  log.info('tick done', { tick: T, candidates: stats.candidates, transitions: stats.transitions, errors: stats.errors });
  metrics.tickCompleted(stats);
  return stats;
}

/**
 * One child per candidate; returns its outcome, 'already running', or an
 * error message. A workspace whose workflow is already running (an
 * evaluateNow, an overlapping tick, another replica) is skipped: that run
 * handles its own minute, and whatever became due since is still due at the
 * next tick (every rule stays true until it is acted on), so it waits one
 * minute at most and is never lost. Signalling the running workflow instead
 * would race its first workflow task: a message that arrives while the task
 * completes makes Temporal re-run the task and its local activities, and the
 * build it already committed would be reported as "unchanged".
 */
async function evaluateChild(workspaceId: string, T: string): Promise<EvaluationOutcome | 'already running' | string> {
  try {
    const child = await startChild(evaluateWorkspace, {
      workflowId: workspaceWorkflowId(workspaceId),
      args: [{ workspaceId, tick: T }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: WORKSPACE_ID, value: workspaceId },
        { key: TICK_TIME, value: new Date(T) },
      ],
      staticSummary: `evaluate workspace ${workspaceId} at ${T}`,
    });
    return await child.result();
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already running';
    if (err instanceof ChildWorkflowFailure) return err.cause?.message ?? err.message;
    throw err;
  }
}

/** T: the `at` of a manual tick, else the Schedule's nominal time for this run (docs/orchestration.md#the-tick), truncated to the minute. */
function tickTime(input: TickInput): string {
  const info = workflowInfo();
  const nominal = input.at !== undefined ? new Date(input.at) : (info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.runStartTime);
  return truncateToMinute(nominal).toISOString();
}

function positive(n: number | undefined, fallback: number): number {
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}
