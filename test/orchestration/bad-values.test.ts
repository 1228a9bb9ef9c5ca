// One bad value must never stop the engine (docs/operations.md#bounds). The
// operations module and migration 004 keep every duration bounded; these
// tests cover a value that got past both (a database edited by hand, or
// written before the bounds) and a data error no retry can fix.
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVALID_DATA } from '../../src/engine/outcome.js';
import { builds, createTemplate, createUser, createWorkspace, D, H, MIN, plus } from './fixtures.js';
import { type Engine, jobsSettled, type RunningWorker, startEngine } from './harness.js';

const T = new Date('2024-03-05T18:00:00Z');

describe('a bad value in one template', () => {
  let engine: Engine;
  let worker: RunningWorker;
  beforeAll(async () => {
    engine = await startEngine();
    worker = await engine.startWorker();
  });
  afterAll(async () => {
    await worker?.stop();
    await engine?.close();
  });

  it("a dormancy threshold of 2,500,000 days in one template leaves every other template's workspaces transitioning", async () => {
    const { pool } = engine.db;
    const owner = await createUser(pool);
    const healthy = await createTemplate(pool);
    const bad = await createTemplate(pool, { timeTilDormantMs: 7 * D });
    // As a hand-edited database: past the bound that migration 004 enforces.
    await pool.query('ALTER TABLE templates DROP CONSTRAINT templates_time_til_dormant_bound');
    await pool.query('UPDATE templates SET time_til_dormant_ms = $2 WHERE id = $1', [bad.id, 2_500_000 * D]);
    const running = { transition: 'start' as const, createdAt: plus(T, -2 * H), deadline: plus(T, -MIN) };
    const stopsOnTime = await createWorkspace(pool, { ownerId: owner, template: healthy, lastUsedAt: plus(T, -H), build: running });
    const alsoDue = await createWorkspace(pool, { ownerId: owner, template: bad, lastUsedAt: plus(T, -H), build: running });

    const stats = await engine.tick(T);
    expect(stats.transitions).toEqual({ 'stop/autostop': 2 });
    expect(stats.errors).toBe(0);
    expect((await builds(pool, stopsOnTime)).at(-1)).toMatchObject({ transition: 'stop', reason: 'autostop' });
    expect((await builds(pool, alsoDue)).at(-1)).toMatchObject({ transition: 'stop', reason: 'autostop' });
    await jobsSettled(engine, [stopsOnTime, alsoDue]);
  });

  it("a data error in the candidate query fails that tick on its first attempt, and the next minute's tick runs", async () => {
    // A cursor that is not a UUID: SQLSTATE 22P02 from the query on every attempt, so no retry can help.
    const doomed = await engine.temporal.client.workflow.start('tick', {
      workflowId: `tick/bad-cursor/${Date.now()}`,
      taskQueue: engine.taskQueue,
      args: [{ at: T.toISOString(), cursor: 'not-a-uuid' }],
    });
    const error = await doomed.result().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.message).toMatch(/^the candidate query failed on data at .* \(SQLSTATE 22P02\)/);
    // Not retryable: the tick fails on its first attempt, not after the retry policy's minutes.
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: INVALID_DATA, nonRetryable: true });
    const next = await engine.tick(plus(T, MIN));
    expect(next.errors).toBe(0);
  });
});
