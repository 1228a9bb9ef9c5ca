// Bench-only workflows (their own bundle and task queue, never in src/):
// Temporal's cost per child on this machine, to set the engine's rate against.
//   floor: a parent starting K trivial children in awaited batches of 100,
//          each child running two trivial *local* activities;
//   naive: the obvious shape, all K children at once, two *regular* activities each;
//   shape: the engine's tick and evaluations without the engine: pages of
//          children in a sliding window (src/workflows/tick.ts), each child one
//          local activity that starts a second workflow (two local activities
//          around a regular one) the way the engine's evaluation starts its build: the engine's two
//          workflows per transition, with its search attributes and start
//          options, without its database work. The `attributes` scenario runs
//          it without the evaluation's or the build's search attributes too.
import { continueAsNew, executeChild, ParentClosePolicy, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { TICK_TIME, WORKSPACE_ID } from '../../src/workflows/search-attributes.js';
import type { ShapeActivities } from './activities.js';

const local = proxyLocalActivities<ShapeActivities>({ startToCloseTimeout: '30 seconds' });
const remote = proxyActivities<ShapeActivities>({ startToCloseTimeout: '1 minute' });

export async function floorChild(): Promise<void> {
  await local.trivial();
  await local.trivial();
}

export async function naiveChild(): Promise<void> {
  await remote.trivial();
  await remote.trivial();
}

/** Stands for the evaluation: one local activity (the engine's `evaluate`), whose commit hands the build over. */
export async function shapeChild(input: { item: string; tick: string; buildAttributes?: boolean }): Promise<void> {
  const { item, tick, buildAttributes } = input;
  await local.startShapeBuild({ workflowId: `${workflowInfo().workflowId}/build`, item, tick, attributes: buildAttributes });
}

/** The engine's build provisions in a regular activity that heartbeats, between two local ones (src/workflows/build.ts). */
const provisioner = proxyActivities<ShapeActivities>({ startToCloseTimeout: '11 minutes', heartbeatTimeout: '30 seconds' });

/** Stands for the build: begin and complete as local activities, the provisioner a regular activity. */
export async function shapeBuild(): Promise<void> {
  await local.trivial();
  await provisioner.trivial();
  await local.trivial();
}

export interface FloorInput {
  count: number;
  /** Children started and awaited together (100: docs/benchmarks.md#the-ticks-window); the shape: children in flight, a sliding window as the tick's. */
  batch: number;
  /** Children per run before continuing as new (keeps the parent's history bounded at K = 10,000). */
  page: number;
  done?: number;
  continuedAsNew?: number;
  maxHistoryLength?: number;
  /** The shape scenario's runs only: T, ISO-8601, unique per run (the TickTime of its children and builds). */
  tick?: string;
  /** The `attributes` scenario's variants only: false leaves out the children's search attributes and summary. */
  evaluationAttributes?: boolean;
  /** The `attributes` scenario's variants only: false leaves out the builds' search attributes. */
  buildAttributes?: boolean;
}

export interface ParentResult {
  children: number;
  continuedAsNew: number;
  /** The longest history of the parent's runs. */
  maxHistoryLength: number;
}

export async function floorParent(input: FloorInput): Promise<ParentResult> {
  return batches(input, (workflowId) => executeChild(floorChild, { workflowId }));
}

export async function shapeParent(input: FloorInput): Promise<ParentResult> {
  const tick = input.tick!;
  // Started as the tick starts an evaluation (src/workflows/tick.ts), in the tick's sliding window.
  return windowed(input, (workflowId) =>
    executeChild(shapeChild, {
      workflowId,
      args: [{ item: workflowId, tick, buildAttributes: input.buildAttributes }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      ...(input.evaluationAttributes !== false && {
        typedSearchAttributes: [
          { key: WORKSPACE_ID, value: workflowId },
          { key: TICK_TIME, value: new Date(tick) },
        ],
        staticSummary: `evaluate workspace ${workflowId} at ${tick}`,
      }),
    }),
  );
}

/**
 * The tick's loop (src/workflows/tick.ts) without its query and statistics: a
 * page of `page` children (the tick's candidate page, a local activity here
 * too), at most `batch` in flight, each one that ends making room for the
 * next, then continue-as-new.
 */
async function windowed(input: FloorInput, child: (workflowId: string) => Promise<void>): Promise<ParentResult> {
  const prefix = `${workflowInfo().workflowId}/`;
  const first = input.done ?? 0;
  const end = Math.min(input.count, first + input.page);
  await local.trivial(); // stands for findCandidatePage
  let next = first;
  const lane = async () => {
    while (next < end) await child(`${prefix}${next++}`);
  };
  await Promise.all(Array.from({ length: Math.min(input.batch, end - first) }, lane));
  const maxHistoryLength = Math.max(input.maxHistoryLength ?? 0, workflowInfo().historyLength);
  // As the tick: a full page continues as new, and the run that finds a short (or empty) page ends.
  if (end - first === input.page) {
    return continueAsNew<typeof shapeParent>({ ...input, done: end, continuedAsNew: (input.continuedAsNew ?? 0) + 1, maxHistoryLength });
  }
  return { children: end, continuedAsNew: input.continuedAsNew ?? 0, maxHistoryLength };
}

async function batches(input: FloorInput, child: (workflowId: string) => Promise<void>): Promise<ParentResult> {
  const prefix = `${workflowInfo().workflowId}/`;
  let done = input.done ?? 0;
  const end = Math.min(input.count, done + input.page);
  while (done < end) {
    const size = Math.min(input.batch, end - done);
    const first = done;
    await Promise.all(Array.from({ length: size }, (_, j) => child(`${prefix}${first + j}`)));
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
