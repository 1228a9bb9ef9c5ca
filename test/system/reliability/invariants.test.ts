// The checker itself (docs/reliability.md): it passes a clean run, and finds each
// kind of violation when the database or Temporal holds one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBuild } from '../../../src/db/insert-build.js';
import type { TickStats } from '../../../src/workflows/tick-stats.js';
import { addBuild, createTemplate, createUser, createWorkspace, H, MIN, plus, type Template } from '../../orchestration/fixtures.js';
import { type Engine, jobsSettled, startEngine } from '../../orchestration/harness.js';
import { checkInvariants } from './invariants.js';

const T = new Date('2024-03-05T18:00:00Z');

describe('the invariant checker', () => {
  let engine: Engine;
  let owner: string;
  let template: Template;
  let due: string[];
  let stats: TickStats;

  beforeAll(async () => {
    engine = await startEngine();
    owner = await createUser(engine.db.pool);
    template = await createTemplate(engine.db.pool);
    due = [];
    for (let i = 0; i < 3; i++) {
      due.push(
        await createWorkspace(engine.db.pool, {
          ownerId: owner,
          template,
          lastUsedAt: plus(T, -H),
          build: { transition: 'start', createdAt: plus(T, -2 * H), deadline: plus(T, -MIN) },
        }),
      );
    }
    await engine.startWorker();
    stats = await engine.tick(T);
    await jobsSettled(engine, due);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const base = () => ({ pool: engine.db.pool, client: engine.temporal.client, taskQueue: engine.taskQueue, since: T, settleMs: 20_000 });

  it('passes a clean tick that stopped three workspaces once each', async () => {
    expect(stats.transitions).toEqual({ 'stop/autostop': 3 });
    const report = await checkInvariants({
      ...base(),
      ticks: [stats],
      expectOnce: due.map((workspaceId) => ({ workspaceId, transition: 'stop' as const, reason: 'autostop' })),
      dueAtRecovery: { firstTick: T, workspaces: due.map((workspaceId) => ({ workspaceId, transition: 'stop' as const })) },
    });
    expect(report.violations).toEqual([]);
    expect(report.automaticBuilds).toBe(3);
  });

  it('finds a second build of one due instant, a transition applied twice, and a build no evaluation decided (I1, I2)', async () => {
    const [ws] = due;
    // Build #3: another stop at the same tick, committed without the engine's evaluation.
    await addBuild(engine.db.pool, ws!, owner, template.versionId, 3, { transition: 'stop', reason: 'autostop', createdAt: T });
    const report = await checkInvariants({ ...base(), expectOnce: [{ workspaceId: ws!, transition: 'stop' }] });
    const mine = report.violations.filter((v) => v.includes(ws!));
    expect(mine.some((v) => v.startsWith('I1:') && v.includes('at the same tick'))).toBe(true);
    expect(mine.some((v) => v.startsWith('I1:') && v.includes('stop applied twice'))).toBe(true);
    expect(mine.some((v) => v.startsWith('I1:') && v.includes('2 automatic stop'))).toBe(true);
    expect(mine.some((v) => v.startsWith('I2:') && v.includes('#3'))).toBe(true);
  });

  it('finds a gap in build numbers (I1) and a build for a workspace that was never eligible (I2)', async () => {
    const ws = due[1]!;
    await insertBuildAt(ws, 5);
    const report = await checkInvariants({ ...base(), neverEligible: [ws] });
    const mine = report.violations.filter((v) => v.includes(ws));
    expect(mine.some((v) => v.startsWith('I1:') && v.includes('not contiguous'))).toBe(true);
    expect(mine.some((v) => v.startsWith('I2:') && v.includes('never eligible'))).toBe(true);
  });

  it('finds a due workspace that did not transition at the first tick after recovery (I3)', async () => {
    const report = await checkInvariants({
      ...base(),
      dueAtRecovery: { firstTick: plus(T, MIN), workspaces: [{ workspaceId: due[2]!, transition: 'stop' }] },
    });
    expect(report.violations.some((v) => v.startsWith('I3:') && v.includes(due[2]!))).toBe(true);
  });

  it('knows the catch-up policy: an autostart that fell due while down is expected only where the policy lets it (I3)', async () => {
    const ws = await createWorkspace(engine.db.pool, {
      ownerId: owner,
      template,
      lastUsedAt: plus(T, -H),
      build: { transition: 'stop', createdAt: plus(T, -H) },
    });
    await insertBuildAt(ws, 2); // an autostart at T + 2 min, the first tick after recovery
    const firstTick = plus(T, 2 * MIN);
    const i3 = async (catchup: { policy: 'all' | 'latest' | 'none'; windowMs?: number; due: Date }) =>
      (
        await checkInvariants({ ...base(), dueAtRecovery: { firstTick, workspaces: [{ workspaceId: ws, transition: 'start', catchup }] } })
      ).violations.filter((v) => v.startsWith('I3:'));
    const dueAnHourBefore = plus(firstTick, -H);
    expect(await i3({ policy: 'none', due: dueAnHourBefore })).toEqual([
      `I3: workspace ${ws}: autostart due ${dueAnHourBefore.toISOString()} fell due while down and catch-up none skips it, but build #2 started it at ${firstTick.toISOString()}`,
    ]);
    expect(await i3({ policy: 'latest', windowMs: 30 * MIN, due: dueAnHourBefore })).toHaveLength(1);
    expect(await i3({ policy: 'latest', windowMs: 2 * H, due: dueAnHourBefore })).toEqual([]);
    expect(await i3({ policy: 'all', due: dueAnHourBefore })).toEqual([]);
    // Due less than the grace before the tick: not downtime, so even `none` starts it.
    expect(await i3({ policy: 'none', due: plus(firstTick, -MIN) })).toEqual([]);
  });

  it('finds errors in the ticks and an undocumented skip reason (I4)', async () => {
    const bad = { ...stats, errors: 2, skipped: { 'made up': 1 } } as unknown as TickStats;
    const report = await checkInvariants({ ...base(), ticks: [bad] });
    expect(report.violations.some((v) => v.startsWith('I4:') && v.includes('2 evaluation errors'))).toBe(true);
    expect(report.violations.some((v) => v.startsWith('I4:') && v.includes('"made up"'))).toBe(true);
    expect(
      (await checkInvariants({ ...base(), ticks: [bad], expectedErrors: 2 })).violations.some((v) => v.includes('evaluation errors')),
    ).toBe(false);
  });

  it('finds a transaction left open with its lock, and a job left unfinished (I5)', async () => {
    const held = await engine.db.pool.connect();
    try {
      await held.query('BEGIN');
      await held.query('SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE', [due[2]]);
      const ws = await createWorkspace(engine.db.pool, {
        ownerId: owner,
        template,
        lastUsedAt: T,
        build: { transition: 'start', createdAt: T, job: 'running' },
      });
      const report = await checkInvariants({ ...base(), settleMs: 0 });
      expect(report.violations.some((v) => v.startsWith('I5:') && v.includes('transaction open') && v.includes('RowShareLock'))).toBe(true);
      expect(report.violations).toContain('I5: 1 provisioner jobs still pending or running');
      expect(report.violations.some((v) => v.startsWith('I5:') && v.includes('still running'))).toBe(false);
      await engine.db.pool.query(`UPDATE provisioner_jobs SET completed_at = now() WHERE completed_at IS NULL`);
      expect(ws).toBeTruthy();
    } finally {
      await held.query('ROLLBACK');
      held.release();
    }
  });

  async function insertBuildAt(workspaceId: string, buildNumber: number): Promise<void> {
    const c = await engine.db.pool.connect();
    try {
      await insertBuild(c, {
        workspaceId,
        buildNumber,
        templateVersionId: template.versionId,
        transition: 'start',
        reason: 'autostart',
        initiatorId: owner,
        workflowId: null,
        createdAt: plus(T, 2 * MIN),
      });
      // Its job done, so that only the checks of I1–I3 see it.
      await c.query(`UPDATE provisioner_jobs SET started_at = now(), completed_at = now() WHERE completed_at IS NULL`);
    } finally {
      c.release();
    }
  }
});
