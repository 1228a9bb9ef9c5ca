// Temporal's own cost per child on this machine, on the same dev server as the
// rush: the floor (notes E9's shape: awaited batches of 100 children, two
// local activities each) and the naive shape (all children at once, two
// regular activities each). One worker process serves them all; its peak RSS
// is reset at the start of each run.
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
  serverCpuMsPerChild: number | null;
  workerCpuMsPerChild: number | null;
}

export async function runShape(ctx: BenchContext, shape: 'floor' | 'naive', k: number, rep: number): Promise<ShapeRun> {
  const { stack, progress } = ctx;
  progress.update(`${shape} k=${k} rep ${rep}: starting`);
  const { worker, taskQueue } = await ctx.benchWorker();
  worker.resetPeakRss();
  const server = cpuMeter(stack.serverCpuSeconds);
  const cpu = cpuMeter(worker.cpuSeconds);
  const workflowId = `${shape}/${ctx.runId}/${k}/${rep}`;
  const started = Date.now();
  const args: [FloorInput] | [{ count: number }] =
    shape === 'floor' ? [{ count: k, batch: ctx.profile.floor.batch, page: ctx.profile.floor.page }] : [{ count: k }];
  const handle = await stack.client.workflow.start(shape === 'floor' ? 'floorParent' : 'naiveParent', {
    workflowId,
    taskQueue,
    args,
  });
  const ticker = setInterval(() => progress.update(`${shape} k=${k} rep ${rep}: ${seconds(started).toFixed(0)} s`), 500);
  let result: ParentResult;
  try {
    result = (await handle.result()) as ParentResult;
  } finally {
    clearInterval(ticker);
  }
  const elapsed = seconds(started);
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
    serverCpuMsPerChild: perK(serverCpuSeconds, k),
    workerCpuMsPerChild: perK(workerCpuSeconds, k),
  };
}
