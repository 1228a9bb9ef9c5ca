// Re-evaluating one workspace now: `evaluateNow` (update-with-start, answers
// with the decision and the build) and the `reevaluate` signal (signal-with-start).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { truncateToMinute } from '../../src/lifecycle/index.js';
import { evaluateNow, signalReevaluate } from '../../src/runtime/evaluate-client.js';
import { WORKSPACE_ID } from '../../src/workflows/search-attributes.js';
import { builds, createTemplate, createUser, createWorkspace, D, H, MIN, plus, type Template, workspaceRow } from './fixtures.js';
import { type Engine, jobsSettled, startEngine } from './harness.js';

describe('re-evaluation at the current minute', () => {
  let engine: Engine;
  let owner: string;
  let template: Template;
  const now = () => new Date();

  beforeAll(async () => {
    engine = await startEngine();
    await engine.startWorker();
    owner = await createUser(engine.db.pool);
    template = await createTemplate(engine.db.pool);
  });
  afterAll(async () => {
    await engine?.close();
  });

  /** A stopped workspace whose schedule was just changed to every minute; `nextStartAt` as the change left it. */
  async function scheduledNow(nextStartAt: Date | null): Promise<string> {
    return createWorkspace(engine.db.pool, {
      ownerId: owner,
      template,
      lastUsedAt: plus(now(), -H),
      autostartSchedule: '* * * * *',
      nextStartAt,
      build: { transition: 'stop', createdAt: plus(now(), -D) },
    });
  }

  it('evaluateNow on a workspace whose schedule just became due starts it and returns the build number', async () => {
    const id = await scheduledNow(plus(now(), -2 * MIN));
    const before = truncateToMinute(now()).getTime();
    const result = await evaluateNow(engine.temporal.client, engine.taskQueue, id);
    expect(result.decision).toMatchObject({ transition: 'start', reason: 'autostart', markDormant: false, remind: false });
    expect(result.decision!.explanation).toMatch(/^autostart:/);
    expect(result.buildNumber).toBe(2);
    expect(new Date(result.tick).getTime()).toBeGreaterThanOrEqual(before);
    expect((await builds(engine.db.pool, id)).at(-1)).toMatchObject({
      buildNumber: 2,
      transition: 'start',
      reason: 'autostart',
      workflowId: `workspace/${id}`,
    });
    await jobsSettled(engine, [id]);
  });

  it('evaluateNow right after a schedule change that cleared next_start_at recomputes it and does not start', async () => {
    const id = await scheduledNow(null);
    const result = await evaluateNow(engine.temporal.client, engine.taskQueue, id);
    expect(result.decision).toMatchObject({ transition: null, reason: null });
    expect(result.decision!.explanation).toMatch(/recomputed from the tick/);
    expect(result.buildNumber).toBeNull();
    expect((await workspaceRow(engine.db.pool, id)).nextStartAt).toEqual(plus(new Date(result.tick), MIN));
    expect(await builds(engine.db.pool, id)).toHaveLength(1);
  });

  it('two evaluateNow calls at once make one build', async () => {
    const id = await scheduledNow(plus(now(), -2 * MIN));
    const results = await Promise.all([1, 2, 3].map(() => evaluateNow(engine.temporal.client, engine.taskQueue, id)));
    expect(await builds(engine.db.pool, id)).toHaveLength(2);
    expect(results.filter((r) => r.buildNumber === 2).length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect([2, null]).toContain(r.buildNumber);
    await jobsSettled(engine, [id]);
  });

  it('the reevaluate signal (signal-with-start) evaluates at the current minute too', async () => {
    const id = await scheduledNow(plus(now(), -2 * MIN));
    const handle = await signalReevaluate(engine.temporal.client, engine.taskQueue, id, { reason: 'test' });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'transition', transition: 'start', reason: 'autostart', buildNumber: 2 });
    expect(await builds(engine.db.pool, id)).toHaveLength(2);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(WORKSPACE_ID)).toBe(id);
    await jobsSettled(engine, [id]);
  });

  it("a run started by hand with only the workspace id (the docs' temporal CLI input) evaluates at once too", async () => {
    const id = await scheduledNow(plus(now(), -2 * MIN));
    const handle = await engine.temporal.client.workflow.start('evaluateWorkspace', {
      workflowId: `workspace/${id}`,
      taskQueue: engine.taskQueue,
      args: [{ workspaceId: id }],
      typedSearchAttributes: [{ key: WORKSPACE_ID, value: id }],
    });
    expect(await handle.result()).toMatchObject({ kind: 'transition', transition: 'start', reason: 'autostart', buildNumber: 2 });
    expect(await builds(engine.db.pool, id)).toHaveLength(2);
    const history = await handle.fetchHistory();
    // One evaluation: one local activity (read, decision and transaction together), one marker.
    expect(history.events!.filter((e) => e.markerRecordedEventAttributes)).toHaveLength(1);
    await jobsSettled(engine, [id]);
  });

  it('evaluateNow on an unknown workspace answers "gone" without failing', async () => {
    const result = await evaluateNow(engine.temporal.client, engine.taskQueue, '00000000-0000-4000-8000-000000000000');
    expect(result).toMatchObject({ decision: null, buildNumber: null, outcome: { kind: 'skipped', skipped: 'gone' } });
  });
});
