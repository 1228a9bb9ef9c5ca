// Bench-only workflows (their own bundle and task queue, never in src/):
// Temporal's cost per child on this machine, to set the engine's rate against.
//   floor: a parent starting K trivial children in awaited batches of 100,
//          each child running two trivial *local* activities (notes E9);
//   naive: the obvious shape, all K children at once, two *regular* activities each.
import { continueAsNew, executeChild, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type * as activities from './activities.js';

const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '30 seconds' });
const remote = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export async function floorChild(): Promise<void> {
  await local.trivial();
  await local.trivial();
}

export async function naiveChild(): Promise<void> {
  await remote.trivial();
  await remote.trivial();
}

export interface FloorInput {
  count: number;
  /** Children started and awaited together (E9: 100). */
  batch: number;
  /** Children per run before continuing as new (keeps the parent's history bounded at K = 10,000). */
  page: number;
  done?: number;
  continuedAsNew?: number;
  maxHistoryLength?: number;
}

export interface ParentResult {
  children: number;
  continuedAsNew: number;
  /** The longest history of the parent's runs. */
  maxHistoryLength: number;
}

export async function floorParent(input: FloorInput): Promise<ParentResult> {
  const prefix = `${workflowInfo().workflowId}/`;
  let done = input.done ?? 0;
  const end = Math.min(input.count, done + input.page);
  while (done < end) {
    const size = Math.min(input.batch, end - done);
    const first = done;
    await Promise.all(Array.from({ length: size }, (_, j) => executeChild(floorChild, { workflowId: `${prefix}${first + j}` })));
    done += size;
  }
  const maxHistoryLength = Math.max(input.maxHistoryLength ?? 0, workflowInfo().historyLength);
  if (done < input.count) {
    return continueAsNew<typeof floorParent>({ ...input, done, continuedAsNew: (input.continuedAsNew ?? 0) + 1, maxHistoryLength });
  }
  return { children: done, continuedAsNew: input.continuedAsNew ?? 0, maxHistoryLength };
}

export async function naiveParent(input: { count: number }): Promise<ParentResult> {
  const prefix = `${workflowInfo().workflowId}/`;
  await Promise.all(Array.from({ length: input.count }, (_, j) => executeChild(naiveChild, { workflowId: `${prefix}${j}` })));
  return { children: input.count, continuedAsNew: 0, maxHistoryLength: workflowInfo().historyLength };
}
