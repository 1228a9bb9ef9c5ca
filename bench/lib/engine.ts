// What the benchmark uses of the engine, in one place: ticks (scheduled and
// manual), the tick schedule (kept paused outside a measured window, so that
// no tick starts a rush before the measured one), the candidate query, the
// direct executor's per-workspace evaluation, and API tokens.
import { randomUUID } from 'node:crypto';
import { type Client, ScheduleOverlapPolicy, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool } from '../../src/db/pool.js';
import { evaluateWorkspace } from '../../src/engine/evaluate.js';
import { truncateToMinute } from '../../src/lifecycle/index.js';
import { createOps } from '../../src/ops/index.js';
import { describeTickSchedule, pauseTickSchedule, resumeTickSchedule, TICK_SCHEDULE_ID } from '../../src/runtime/schedule.js';
import { startManualTick } from '../../src/runtime/tick-client.js';
import type { TickStats } from '../../src/workflows/tick-stats.js';

export { buildWorkflowId } from '../../src/builds/start-build.js';
export { candidateQueryValues, FIND_CANDIDATES_SQL, findCandidates } from '../../src/db/sql/find-candidates.js';
export type { TickStats };
export { describeTickSchedule };

export interface StartedTick {
  workflowId: string;
  /** 'scheduled': a run of the tick schedule; 'manual': startManualTick. */
  kind: 'scheduled' | 'manual';
  /** When the tick workflow started (server clock, this machine). */
  startedAt: Date;
  result(): Promise<TickStats>;
}

export async function startTick(client: Client, taskQueue: string, at: Date): Promise<StartedTick> {
  const handle = await startManualTick(client, taskQueue, at);
  const { startTime } = await handle.describe();
  return { workflowId: handle.workflowId, kind: 'manual', startedAt: startTime, result: () => handle.result() };
}

/**
 * A run of the tick schedule, now (its T is the current minute), so that the
 * ticks of the following minutes meet it under the schedule's own overlap
 * policy, as in production. Falls back to a manual tick at `at` when the
 * worker made no schedule.
 */
export async function startScheduledTick(client: Client, taskQueue: string, at: Date): Promise<StartedTick> {
  if ((await describeTickSchedule(client)) === null) return startTick(client, taskQueue, at);
  const schedule = client.schedule.getHandle(TICK_SCHEDULE_ID);
  const seen = new Set((await schedule.describe()).info.recentActions.map((a) => a.action.workflow.workflowId));
  await schedule.trigger(ScheduleOverlapPolicy.BUFFER_ONE); // taken even while the schedule is paused
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { info } = await schedule.describe();
    const run = [...info.runningActions, ...info.recentActions.map((a) => a.action)].find((a) => !seen.has(a.workflow.workflowId));
    if (run) {
      const handle = client.workflow.getHandle<() => Promise<TickStats>>(run.workflow.workflowId);
      const { startTime } = await handle.describe();
      return { workflowId: run.workflow.workflowId, kind: 'scheduled', startedAt: startTime, result: () => handle.result() };
    }
    if (Date.now() > deadline) throw new Error('the tick schedule did not start a run when triggered');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pauses the tick schedule, if the worker created one: no new scheduled ticks (running ones go on). */
export async function pauseSchedule(client: Client): Promise<void> {
  const status = await describeTickSchedule(client);
  if (status !== null && !status.paused) await pauseTickSchedule(client, 'paused by the benchmark');
}

/** Pauses the tick schedule (if the worker created one) and ends the scheduled runs still open. */
export async function quietSchedule(client: Client): Promise<void> {
  const status = await describeTickSchedule(client);
  if (status === null) return;
  if (!status.paused) await pauseTickSchedule(client, 'paused by the benchmark');
  for (const id of status.runningWorkflowIds) {
    await client.workflow
      .getHandle(id)
      .terminate('benchmark: between measurements')
      .catch((err) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
  }
}

export async function resumeSchedule(client: Client): Promise<boolean> {
  const status = await describeTickSchedule(client);
  if (status === null) return false;
  if (status.paused) await resumeTickSchedule(client, 'resumed by the benchmark');
  return true;
}

/** Workflow ids of the scheduled ticks that are still running. */
export async function runningScheduledTicks(client: Client): Promise<string[]> {
  return (await describeTickSchedule(client))?.runningWorkflowIds ?? [];
}

/**
 * The direct executor's client: the build transaction hands each committed
 * job to a build workflow after commit; without Temporal there is none, so
 * the hand-off does nothing and the job stays pending. What is measured is
 * the candidate query plus the transaction, as Coder's executor runs them.
 */
const noTemporal = { workflow: { start: async () => undefined } } as unknown as Client;

export async function evaluateWithoutTemporal(pool: Pool, workspaceId: string, at: Date): Promise<boolean> {
  const tick = truncateToMinute(at).toISOString();
  const outcome = await evaluateWorkspace(
    { pool, client: noTemporal, taskQueue: 'none' },
    // As the worker's evaluation does, recording its outcome under a key; nothing retries a call here, so each has its own.
    { workspaceId, tick, workflowId: 'direct-executor', key: `direct-executor/${randomUUID()}` },
  );
  return outcome.kind === 'transition';
}

/** An owner API token for `user`, made through the operations module as `autobuild token create <user> --role owner` makes it. */
export async function createOwnerToken(pool: Pool, client: Client, taskQueue: string, user: string): Promise<string> {
  const { token } = await createOps({ pool, client, taskQueue }).tokens.create({ user, role: 'owner', name: 'bench' });
  return token;
}
