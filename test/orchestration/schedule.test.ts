// The per-minute Temporal Schedule: created or updated idempotently; its runs
// learn their minute from TemporalScheduledStartTime.

import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeTickSchedule,
  ensureTickSchedule,
  pauseTickSchedule,
  resumeTickSchedule,
  SCHEDULED_TICK_WORKFLOW_ID,
  TICK_CATCHUP_WINDOW_MS,
} from '../../src/runtime/schedule.js';
import { TICK_TIME } from '../../src/workflows/search-attributes.js';
import type { TickStats } from '../../src/workflows/tick-stats.js';
import { type Engine, startEngine } from './harness.js';

describe('the tick schedule', () => {
  let engine: Engine;
  const scheduleId = `autobuild-tick-test-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    engine = await startEngine();
    await engine.startWorker();
  });
  afterAll(async () => {
    await engine?.temporal.client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => {});
    await engine?.close();
  });

  it('several starts at once leave exactly one schedule: every minute, BUFFER_ONE, a short catch-up window', async () => {
    const outcomes = await Promise.all(
      [1, 2, 3, 4, 5].map(() => ensureTickSchedule(engine.temporal.client, engine.taskQueue, { scheduleId })),
    );
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'created').every((o) => o === 'unchanged')).toBe(true);
    const status = (await describeTickSchedule(engine.temporal.client, scheduleId))!;
    expect(status).toMatchObject({
      paused: false,
      taskQueue: engine.taskQueue,
      overlap: ScheduleOverlapPolicy.BUFFER_ONE,
      catchupWindowMs: TICK_CATCHUP_WINDOW_MS,
    });
    const next = status.nextActionTimes.map((t) => new Date(t).getTime());
    expect(next[1]! - next[0]!).toBe(60_000);
    expect(next[0]! % 60_000).toBe(0);
  });

  it('a second start neither resets a pause nor its note; a changed setting is applied and the pause kept', async () => {
    await pauseTickSchedule(engine.temporal.client, 'maintenance', scheduleId);
    expect(await ensureTickSchedule(engine.temporal.client, engine.taskQueue, { scheduleId })).toBe('unchanged');
    expect(await describeTickSchedule(engine.temporal.client, scheduleId)).toMatchObject({ paused: true, note: 'maintenance' });
    expect(await ensureTickSchedule(engine.temporal.client, engine.taskQueue, { scheduleId, pageSize: 50 })).toBe('updated');
    expect(await describeTickSchedule(engine.temporal.client, scheduleId)).toMatchObject({ paused: true, note: 'maintenance' });
    await resumeTickSchedule(engine.temporal.client, 'back', scheduleId);
    expect(await describeTickSchedule(engine.temporal.client, scheduleId)).toMatchObject({ paused: false, note: 'back' });
    await pauseTickSchedule(engine.temporal.client, 'test: no automatic runs', scheduleId);
  });

  it('a scheduled run takes T from its nominal time, truncated to the minute, and records TickTime', async () => {
    const handle = engine.temporal.client.schedule.getHandle(scheduleId);
    const nominal = new Date('2024-06-03T07:15:00Z');
    await handle.backfill({
      start: new Date(nominal.getTime() - 1000),
      end: new Date(nominal.getTime() + 1000),
      overlap: ScheduleOverlapPolicy.ALLOW_ALL,
    });
    let workflowId: string | undefined;
    for (let i = 0; i < 100 && !workflowId; i++) {
      workflowId = (await handle.describe()).info.recentActions.at(-1)?.action.workflow.workflowId;
      if (!workflowId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(workflowId).toBe(`${SCHEDULED_TICK_WORKFLOW_ID}-2024-06-03T07:15:00Z`);
    const run = engine.temporal.client.workflow.getHandle(workflowId!);
    const stats = (await run.result()) as TickStats;
    expect(stats.tick).toBe(nominal.toISOString());
    expect((await run.describe()).typedSearchAttributes.get(TICK_TIME)).toEqual(nominal);
  });
});
