// Temporal's own cost per child on this machine, on the same dev server as the
// rush: the floor (the floor of docs/benchmarks.md#scenarios: awaited batches of 100 children, two
// local activities each) and the naive shape (all children at once, two
// regular activities each). One worker process serves them all; its peak RSS
// is reset at the start of each run. The shape scenario (the engine's two
// workflows per transition, no database) runs on the same worker.
import type { BenchContext } from '../lib/context.js';
import { seconds } from '../lib/context.js';
import { cpuMeter } from '../lib/proc.js';
import { perK } from '../lib/stats.js';
import type { FloorInput, ParentResult } from '../workflows/index.js';

export interface ShapeRun {
  k: number;
  seconds: number;
  childrenPerSecond: number;
  continuedAsNew: number;
  maxHistoryLength: number;
  serverCpuSeconds: number | null;
  workerCpuSeconds: number | null;
  peakRssMb: number | null;
  /** Shape runs: seconds from start until the last second workflow (the build) completed. */
  lastBuildSeconds?: number;
  serverCpuMsPerChild: number | null;
  workerCpuMsPerChild: number | null;
}

export type ShapeName = 'floor' | 'naive' | 'shape';

/**
 * The `attributes` scenario: the shape with and without the search attributes
 * (and the evaluation's static summary) that the engine's two workflows start
 * with (docs/orchestration.md, "Visibility"): what they cost in rate.
 */
export const SHAPE_VARIANTS = {
  engine: { evaluationAttributes: true, buildAttributes: true },
  'no-evaluation-attributes': { evaluationAttributes: false, buildAttributes: true },
  'no-build-attributes': { evaluationAttributes: true, buildAttributes: false },
  none: { evaluationAttributes: false, buildAttributes: false },
} as const;
export type ShapeVariant = keyof typeof SHAPE_VARIANTS;

let shapeRuns = 0;

const PARENTS: Record<ShapeName, string> = { floor: 'floorParent', naive: 'naiveParent', shape: 'shapeParent' };

export async function runShape(
  ctx: BenchContext,
  shape: ShapeName,
  k: number,
  rep: number,
  variant: ShapeVariant = 'engine',
): Promise<ShapeRun> {
  const { stack, progress } = ctx;
  const name = variant === 'engine' ? shape : `${shape} (${variant})`;
  progress.update(`${name} k=${k} rep ${rep}: starting`);
  const { worker, taskQueue } = await ctx.benchWorker();
  worker.resetPeakRss();
  const server = cpuMeter(stack.serverCpuSeconds);
  const cpu = cpuMeter(worker.cpuSeconds);
  // Numbered: the rush's floor and the shape scenario's floor run at the same K and repetition.
  const workflowId = `${shape}/${ctx.runId}/${k}/${rep}/${++shapeRuns}`;
  const started = Date.now();
  // A minute of its own in the year 2000 for each shape run: its builds are found by TickTime.
  const tick = new Date(Date.UTC(2000, 0, 1) + Math.floor(Math.random() * 500_000) * 60_000).toISOString();
  const batched: FloorInput = { count: k, batch: ctx.profile.floor.batch, page: ctx.profile.floor.page };
  // The shape pages and windows its children as the tick does.
  const { page, window } = ctx.profile.shape;
  const args: [FloorInput] | [{ count: number }] =
    shape === 'naive'
      ? [{ count: k }]
      : shape === 'shape'
        ? [{ count: k, batch: window, page, tick, ...SHAPE_VARIANTS[variant] }]
        : [batched];
  const handle = await stack.client.workflow.start(PARENTS[shape], {
    workflowId,
    taskQueue,
    args,
  });
  const ticker = setInterval(() => progress.update(`${name} k=${k} rep ${rep}: ${seconds(started).toFixed(0)} s`), 500);
  let result: ParentResult;
  let elapsed: number;
  let lastBuildSeconds: number | undefined;
  try {
    result = (await handle.result()) as ParentResult;
    // The rate counts children (each handed its build over before it completed), as the engine's counts commits.
    elapsed = seconds(started);
    if (shape === 'shape')
      lastBuildSeconds = await buildsDone(ctx, SHAPE_VARIANTS[variant].buildAttributes ? { tick } : { workflowId }, k, started);
  } finally {
    clearInterval(ticker);
  }
  const serverCpuSeconds = server.read();
  const workerCpuSeconds = cpu.read();
  return {
    k,
    seconds: elapsed,
    childrenPerSecond: k / elapsed,
    continuedAsNew: result.continuedAsNew,
    maxHistoryLength: result.maxHistoryLength,
    serverCpuSeconds,
    workerCpuSeconds,
    peakRssMb: worker.peakRssMb(),
    ...(lastBuildSeconds !== undefined && { lastBuildSeconds }),
    serverCpuMsPerChild: perK(serverCpuSeconds, k),
    workerCpuMsPerChild: perK(workerCpuSeconds, k),
  };
}

/**
 * Seconds from `started` until all k builds of a shape run completed (its
 * children finish first; builds may trail). Found by their TickTime, or, when
 * they start without search attributes, by the parent's workflow id, which
 * prefixes their own.
 */
async function buildsDone(ctx: BenchContext, by: { tick: string } | { workflowId: string }, k: number, started: number): Promise<number> {
  let which: string;
  if ('tick' in by) {
    // Equality on a Datetime search attribute matches nothing on the dev server's SQLite visibility; a range does.
    const t = new Date(by.tick).getTime();
    which = `TickTime BETWEEN '${new Date(t - 1000).toISOString()}' AND '${new Date(t + 1000).toISOString()}'`;
  } else {
    which = `WorkflowId STARTS_WITH '${by.workflowId}/'`;
  }
  const query = `WorkflowType = 'shapeBuild' AND ${which} AND ExecutionStatus = 'Completed'`;
  for (;;) {
    const at = seconds(started);
    const { count } = await ctx.stack.client.workflow.count(query);
    if (count >= k) return at;
    if (seconds(started) > 600) throw new Error(`shape run: ${count} of ${k} builds completed after 10 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
