// The 9:00 rush: K of N workspaces due for autostart at T. A fresh seed and a
// fresh engine worker (src/main.ts, as `npm start` runs it, simulated
// provisioner at zero duration; `--workers N`: N of them on one task queue) per run. The schedule is paused while seeding
// and starting the worker; the measured tick is then a run of the tick
// schedule itself (triggered), and the schedule resumes, so the ticks of the
// following minutes meet the long rush under the schedule's own overlap
// policy, as in production.
//
// Times are from the tick's start (just before the start request) to
//  - the last build committed: its job row's created_at, i.e. the database's
//    now() in the build transaction (a build's own created_at is stamped T);
//  - the last build job completed: provisioner_jobs.completed_at.
import { loadavg } from 'node:os';
import type { Pool } from '../../src/db/pool.js';
import { truncateToMinute } from '../../src/lifecycle/index.js';
import type { BenchContext } from '../lib/context.js';
import { seconds, sleep } from '../lib/context.js';
import {
  buildWorkflowId,
  describeTickSchedule,
  pauseSchedule,
  quietSchedule,
  resumeSchedule,
  runningScheduledTicks,
  startScheduledTick,
  type TickStats,
} from '../lib/engine.js';
import { cpuMeter } from '../lib/proc.js';
import { perK } from '../lib/stats.js';
import { resetData, seed } from '../seed.js';

export interface RushRun {
  k: number;
  workspaces: number;
  /** Engine worker processes on the task queue (their CPU is summed; peak RSS is the largest one's). */
  workers: number;
  seedSeconds: number;
  lastCommitSeconds: number | null;
  lastCompleteSeconds: number | null;
  /** Committed transitions per second: K / lastCommitSeconds. */
  transitionsPerSecond: number | null;
  committed: number;
  completed: number;
  failedJobs: number;
  /** Builds beyond the first made for a due workspace at or after T. */
  duplicates: number;
  /** Due workspaces without a build at or after T. */
  missing: number;
  /** Builds at or after T on workspaces that were not due. */
  unexpected: number;
  timedOut: boolean;
  tickSeconds: number | null;
  tickRuns: number;
  tickContinuedAsNew: number;
  /** The longest history among the measured tick's runs. */
  tickHistoryLength: number | null;
  tickStats: Pick<TickStats, 'candidates' | 'transitions' | 'unchanged' | 'errors' | 'skipped'> | null;
  /** How the measured tick started: a run of the tick schedule (triggered), or a manual tick when there is no schedule. */
  tickKind: 'scheduled' | 'manual';
  /** Other ticks that ran while the rush was in progress. */
  overlappingTicks: number;
  /** Minutes the schedule skipped under its overlap policy while the rush's tick ran. */
  scheduledTicksSkippedOverlap: number;
  /** History lengths of one due workspace's workflows (events per transition, besides the tick's share). */
  sampleHistory: { evaluation: number | null; build: number | null };
  peakRssMb: number | null;
  workerCpuSeconds: number | null;
  serverCpuSeconds: number | null;
  postgresCpuSeconds: number | null;
  /** CPU per transition (ms), by process: where the time goes, independent of other load on the machine. */
  workerCpuMsPerTransition: number | null;
  serverCpuMsPerTransition: number | null;
  postgresCpuMsPerTransition: number | null;
  workerProblems: string[];
  /** The machine's 1-minute load average when the rush ended (other work on the cores skews every figure). */
  loadAverage: number;
}

export async function runRush(ctx: BenchContext, k: number, rep: number): Promise<RushRun> {
  const { stack, progress, profile } = ctx;
  const n = profile.rush.workspaces;
  const label = `rush k=${k} rep ${rep}`;
  const db = await ctx.database('rush');
  const client = stack.client;

  await quietSchedule(client);
  progress.update(`${label}: seeding ${n.toLocaleString()} workspaces`);
  await resetData(db.pool);
  const T = truncateToMinute(new Date());
  const seeded = await seed(db.pool, { workspaces: n, due: k, at: T, salt: `rush-${ctx.runId}-${k}-${rep}` });
  const { rows: dueRows } = await db.pool.query<{ id: string }>(
    `SELECT id FROM workspaces WHERE next_start_at = $1 AND latest_transition = 'stop' AND NOT deleted`,
    [T],
  );
  const due = dueRows.map((r) => r.id);
  if (due.length !== k) throw new Error(`${label}: seeded ${due.length} due workspaces, expected ${k}`);

  const taskQueue = `bench-rush-${ctx.runId}-${k}-${rep}`;
  progress.update(`${label}: starting ${ctx.workers === 1 ? 'the engine worker' : `${ctx.workers} engine workers`}`);
  const worker = await stack.startEngineWorkers(ctx.workers, { databaseUrl: db.url, taskQueue });
  try {
    await quietSchedule(client); // the worker has just created or updated it
    worker.resetPeakRss();
    const workerCpu = cpuMeter(worker.cpuSeconds);
    const serverCpu = cpuMeter(stack.serverCpuSeconds);
    const pgCpu = cpuMeter(stack.postgresCpuSeconds);

    const skippedBefore = (await describeTickSchedule(client))?.numActionsSkippedOverlap ?? 0;
    const tick = await startScheduledTick(client, taskQueue, T);
    const started = tick.startedAt.getTime();
    await resumeSchedule(client);
    const tickDone = tick.result().then(
      (stats) => ({ stats, at: Date.now() }),
      (err: Error) => ({ error: err.message, at: Date.now() }),
    );

    // Progress: due workspaces whose latest build is the new start, and its job finished.
    const overlapping = new Set<string>();
    const timeoutMs = 120_000 + k * 300;
    let last = { committed: -1, completed: -1, changedAt: Date.now() };
    let timedOut = false;
    for (;;) {
      const { rows } = await db.pool.query<{ committed: number; completed: number }>(
        `SELECT count(*) FILTER (WHERE latest_transition = 'start')::int AS committed,
                count(*) FILTER (WHERE latest_transition = 'start' AND latest_job_completed_at IS NOT NULL)::int AS completed
           FROM workspaces WHERE id = ANY($1::uuid[])`,
        [due],
      );
      const { committed, completed } = rows[0]!;
      for (const id of await runningScheduledTicks(client)) if (id !== tick.workflowId) overlapping.add(id);
      progress.update(`${label}: ${committed}/${k} committed, ${completed}/${k} completed, ${seconds(started).toFixed(0)} s`);
      if (completed >= k) break;
      if (committed !== last.committed || completed !== last.completed) last = { committed, completed, changedAt: Date.now() };
      if (Date.now() - last.changedAt > 120_000 || Date.now() - started > timeoutMs) {
        timedOut = true;
        break;
      }
      await sleep(1000);
    }
    const peakRssMb = worker.peakRssMb();
    const loadAtEnd = loadavg()[0]!;
    const workerCpuSeconds = workerCpu.read();
    const serverCpuSeconds = serverCpu.read();
    const postgresCpuSeconds = pgCpu.read();

    // Let the measured tick and any overlapping scheduled tick finish before counting duplicates.
    progress.update(`${label}: waiting for the ticks to finish`);
    // A timer of its own, cleared after: an uncleared 5-minute sleep kept the process alive that long after the run.
    let giveUp: NodeJS.Timeout | undefined;
    const ended = await Promise.race([tickDone, new Promise<null>((r) => (giveUp = setTimeout(() => r(null), 300_000)))]);
    clearTimeout(giveUp);
    const skippedOverlap = ((await describeTickSchedule(client))?.numActionsSkippedOverlap ?? 0) - skippedBefore;
    await pauseSchedule(client);
    for (let i = 0; i < 300 && (await runningScheduledTicks(client)).length > 0; i++) await sleep(1000);
    await quietSchedule(client); // ends a scheduled tick still running after 5 minutes
    await sleep(2000); // build workflows started by the last evaluations

    const t = await rushOutcome(db.pool, due, T);
    const lastCommitSeconds = t.lastCommit && !timedOut ? seconds(started, t.lastCommit.getTime()) : null;
    const lastCompleteSeconds = t.lastComplete && !timedOut ? seconds(started, t.lastComplete.getTime()) : null;

    const runs = await tickRuns(ctx, tick.workflowId);
    const sample = await sampleHistory(ctx, db.pool, due[0]!, T);
    const stats = ended && 'stats' in ended ? ended.stats : null;
    return {
      k,
      workspaces: n,
      workers: ctx.workers,
      seedSeconds: seeded.seconds,
      lastCommitSeconds,
      lastCompleteSeconds,
      transitionsPerSecond: lastCommitSeconds ? k / lastCommitSeconds : null,
      committed: t.committed,
      completed: t.completed,
      failedJobs: t.failed,
      duplicates: t.duplicates,
      missing: t.missing,
      unexpected: t.unexpected,
      timedOut,
      tickSeconds: ended ? seconds(started, ended.at) : null,
      tickRuns: runs.count,
      tickContinuedAsNew: Math.max(0, runs.count - 1),
      tickHistoryLength: runs.maxHistoryLength,
      tickStats: stats
        ? {
            candidates: stats.candidates,
            transitions: stats.transitions,
            unchanged: stats.unchanged,
            errors: stats.errors,
            skipped: stats.skipped,
          }
        : null,
      tickKind: tick.kind,
      overlappingTicks: overlapping.size,
      scheduledTicksSkippedOverlap: skippedOverlap,
      sampleHistory: sample,
      peakRssMb,
      workerCpuSeconds,
      serverCpuSeconds,
      postgresCpuSeconds,
      workerCpuMsPerTransition: perK(workerCpuSeconds, k),
      serverCpuMsPerTransition: perK(serverCpuSeconds, k),
      postgresCpuMsPerTransition: perK(postgresCpuSeconds, k),
      workerProblems: worker.problems().slice(-5),
      loadAverage: loadAtEnd,
    };
  } finally {
    await quietSchedule(client).catch(() => {});
    await worker.stop();
  }
}

export interface RushOutcome {
  /** Due workspaces with a build at or after T, and those whose build's job completed. */
  committed: number;
  completed: number;
  /** Jobs of those builds that failed. */
  failed: number;
  /** Builds beyond the first made for a due workspace at or after T. */
  duplicates: number;
  /** Due workspaces without a build at or after T. */
  missing: number;
  /** Builds at or after T on workspaces that were not due. */
  unexpected: number;
  /** Jobs of builds at or after T not completed yet. */
  unfinished: number;
  /** The database's time of the last build's commit (its job's created_at) and of the last job's completion. */
  lastCommit: Date | null;
  lastComplete: Date | null;
}

/** What a rush at T did to the `due` workspaces, counted from the builds and their jobs. */
export async function rushOutcome(pool: Pool, due: string[], T: Date): Promise<RushOutcome> {
  const { rows: times } = await pool.query<{
    committed: number;
    completed: number;
    failed: number;
    unfinished: number;
    last_commit: Date | null;
    last_complete: Date | null;
  }>(
    `SELECT count(DISTINCT b.workspace_id)::int AS committed,
            count(DISTINCT b.workspace_id) FILTER (WHERE j.completed_at IS NOT NULL)::int AS completed,
            count(*) FILTER (WHERE j.error IS NOT NULL)::int AS failed,
            count(*) FILTER (WHERE j.completed_at IS NULL)::int AS unfinished,
            max(j.created_at) AS last_commit, max(j.completed_at) AS last_complete
       FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
      WHERE b.workspace_id = ANY($1::uuid[]) AND b.created_at >= $2`,
    [due, T],
  );
  const { rows: counts } = await pool.query<{ duplicates: number; transitioned: number; unexpected: number }>(
    `SELECT coalesce(sum(greatest(n - 1, 0)), 0)::int AS duplicates, count(*) FILTER (WHERE n > 0)::int AS transitioned,
            (SELECT count(*)::int FROM workspace_builds b
              WHERE b.created_at >= $2 AND NOT (b.workspace_id = ANY($1::uuid[]))) AS unexpected
       FROM (SELECT (SELECT count(*) FROM workspace_builds b WHERE b.workspace_id = d.id AND b.created_at >= $2) AS n
               FROM unnest($1::uuid[]) AS d(id)) x`,
    [due, T],
  );
  const t = times[0]!;
  const c = counts[0]!;
  return {
    committed: t.committed,
    completed: t.completed,
    failed: t.failed,
    duplicates: c.duplicates,
    missing: due.length - c.transitioned,
    unexpected: c.unexpected,
    unfinished: t.unfinished,
    lastCommit: t.last_commit,
    lastComplete: t.last_complete,
  };
}

/** The runs of a workflow id (one per continue-as-new) and the longest history among them. */
async function tickRuns(ctx: BenchContext, workflowId: string): Promise<{ count: number; maxHistoryLength: number | null }> {
  let count = 0;
  let max: number | null = null;
  // Visibility is eventually consistent: wait until the chain is listed as closed.
  for (let attempt = 0; attempt < 20; attempt++) {
    count = 0;
    max = null;
    let open = false;
    for await (const run of ctx.stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      count++;
      if (run.historyLength !== undefined) max = Math.max(max ?? 0, run.historyLength);
      if (run.status.name === 'RUNNING') open = true;
    }
    if (count > 0 && !open) break;
    await sleep(500);
  }
  return { count, maxHistoryLength: max };
}

async function sampleHistory(
  ctx: BenchContext,
  pool: Pool,
  workspaceId: string,
  T: Date,
): Promise<{ evaluation: number | null; build: number | null }> {
  const length = async (workflowId: string) => {
    try {
      return (await ctx.stack.client.workflow.getHandle(workflowId).describe()).historyLength;
    } catch {
      return null;
    }
  };
  const { rows } = await pool.query<{ job_id: string; workflow_id: string | null }>(
    `SELECT job_id, workflow_id FROM workspace_builds WHERE workspace_id = $1 AND created_at >= $2 ORDER BY build_number LIMIT 1`,
    [workspaceId, T],
  );
  const row = rows[0];
  return {
    evaluation: row?.workflow_id ? await length(row.workflow_id) : null,
    build: row ? await length(buildWorkflowId(row.job_id)) : null,
  };
}
