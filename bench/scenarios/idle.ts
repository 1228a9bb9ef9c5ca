// The idle tick: a large database with nothing due. The candidate query's
// p50/p99 over many runs and its plan (no sequential scan of the big tables),
// and a whole manual tick, end to end through the engine's worker.
import type { BenchContext } from '../lib/context.js';
import { seconds } from '../lib/context.js';
import { quietSchedule, startTick } from '../lib/engine.js';
import { explainCandidateQuery, largeDatabase, type Plan, timeCandidateQuery } from './queries.js';

export interface IdleRun {
  workspaces: number;
  queryP50Ms: number;
  queryP99Ms: number;
  queryMeanMs: number;
  candidates: number;
  tickSeconds: number;
  /** The tick's own account of its duration (workflow clock). */
  tickElapsedMs: number;
  tickCandidates: number;
}

export interface IdleResult {
  runs: IdleRun[];
  plan: Plan;
}

export async function runIdle(ctx: BenchContext): Promise<IdleResult> {
  const { progress, profile, stack } = ctx;
  const large = await largeDatabase(ctx);
  if (large.due !== 0) throw new Error('the idle scenario needs the large database with nothing due');
  const taskQueue = `bench-idle-${ctx.runId}`;
  progress.update('idle: starting the engine worker');
  const worker = await stack.startEngineWorker({ databaseUrl: large.db.url, taskQueue });
  const runs: IdleRun[] = [];
  let plan: Plan | null = null;
  try {
    await quietSchedule(stack.client); // measured ticks only
    progress.update('idle: warm-up tick');
    await (await startTick(stack.client, taskQueue, large.at)).result();
    for (let rep = 1; rep <= profile.repetitions; rep++) {
      progress.update(`idle rep ${rep}: candidate query × ${profile.idle.queryRuns}`);
      const q = await timeCandidateQuery(large.db.pool, large.at, profile.idle.queryRuns);
      plan = await explainCandidateQuery(large.db.pool, large.at);
      progress.update(`idle rep ${rep}: tick`);
      const started = Date.now();
      const stats = await (await startTick(stack.client, taskQueue, large.at)).result();
      runs.push({
        workspaces: large.workspaces,
        queryP50Ms: q.p50Ms,
        queryP99Ms: q.p99Ms,
        queryMeanMs: q.meanMs,
        candidates: q.rows,
        tickSeconds: seconds(started),
        tickElapsedMs: stats.elapsedMs,
        tickCandidates: stats.candidates,
      });
    }
  } finally {
    await worker.stop();
  }
  return { runs, plan: plan! };
}
