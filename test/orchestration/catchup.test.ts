// docs/rules.md#catch-up-after-downtime through the real engine: a tick at T0 records the last
// completed tick; the worker stops and a new one starts; nothing ticks for an hour; the tick at
// T0 + 60 min finds autostarts that fell due at T0 + 10 min under each catch-up policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLastCompletedTick } from '../../src/db/sql/engine-ticks.js';
import type { CatchupPolicy } from '../../src/lifecycle/index.js';
import type { TickStats } from '../../src/workflows/tick-stats.js';
import { assertInvariants } from '../system/reliability/invariants.js';
import { builds, createTemplate, createUser, createWorkspace, D, H, MIN, plus, workspaceRow } from './fixtures.js';
import { type Engine, jobsSettled, startEngine } from './harness.js';

const T0 = new Date('2024-03-04T09:00:00Z'); // a Monday
const DUE = plus(T0, 10 * MIN);
const R = plus(T0, H);
/** The next autostart after R of the daily 09:10 schedule. */
const NEXT = plus(DUE, D);
const EACH = 2;

describe('catch-up after downtime: an hour without ticks, then the tick at T0 + 60 min', () => {
  let engine: Engine;
  const ws: Record<'all' | 'latest30' | 'latest90' | 'none' | 'autostopNone', string[]> = {
    all: [],
    latest30: [],
    latest90: [],
    none: [],
    autostopNone: [],
  };
  let atT0: TickStats;
  let atR: TickStats;
  let afterR: TickStats;
  let recordedAtT0: Date | null;

  beforeAll(async () => {
    engine = await startEngine();
    const { pool } = engine.db;
    const owner = await createUser(pool);
    const template = async (catchup: CatchupPolicy, windowMs = 0) => {
      const t = await createTemplate(pool);
      await pool.query('UPDATE templates SET catchup = $2, catchup_window_ms = $3 WHERE id = $1', [t.id, catchup, windowMs]);
      return t;
    };
    const all = await createTemplate(pool); // the default: all
    const latest30 = await template('latest', 30 * MIN);
    const latest90 = await template('latest', 90 * MIN);
    const none = await template('none');
    const stopped = { transition: 'stop' as const, createdAt: plus(T0, -D) };
    const scheduled = { ownerId: owner, lastUsedAt: plus(T0, -D), autostartSchedule: 'CRON_TZ=UTC 10 9 * * *', nextStartAt: DUE };
    for (let i = 0; i < EACH; i++) {
      ws.all.push(await createWorkspace(pool, { ...scheduled, template: all, build: stopped }));
      ws.latest30.push(await createWorkspace(pool, { ...scheduled, template: latest30, build: stopped }));
      ws.latest90.push(await createWorkspace(pool, { ...scheduled, template: latest90, build: stopped }));
      ws.none.push(await createWorkspace(pool, { ...scheduled, template: none, build: stopped }));
      // Running, its deadline passed during the outage: autostop always catches up.
      ws.autostopNone.push(
        await createWorkspace(pool, {
          ownerId: owner,
          template: none,
          lastUsedAt: T0,
          build: { transition: 'start', createdAt: plus(T0, -H), deadline: plus(T0, 20 * MIN) },
        }),
      );
    }

    const first = await engine.startWorker();
    atT0 = await engine.tick(T0);
    recordedAtT0 = (await findLastCompletedTick(pool))?.tick ?? null;
    // The outage: the worker stops; a new one starts an hour (of ticks) later.
    await first.stop();
    await engine.startWorker();
    atR = await engine.tick(R);
    await jobsSettled(engine, Object.values(ws).flat());
    afterR = await engine.tick(plus(R, MIN));
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
  });

  it('the tick at T0 does nothing yet and records itself as the last completed tick', () => {
    expect(atT0.transitions).toEqual({});
    expect(atT0.skipped).toEqual({});
    expect(recordedAtT0).toEqual(T0);
  });

  it('all and latest within its window start; latest beyond its window and none are skipped and counted as catch-up', () => {
    expect(atR.transitions).toEqual({ 'start/autostart': 2 * EACH, 'stop/autostop': EACH });
    expect(atR.skipped).toEqual({ 'catch-up': 2 * EACH });
    expect(new Set(atR.samples.skipped['catch-up'])).toEqual(new Set([...ws.latest30, ...ws.none]));
    expect(atR.errors).toBe(0);
  });

  it('a skipped autostart gets no build, and its next autostart moves past the tick to the next occurrence', async () => {
    for (const id of [...ws.latest30, ...ws.none]) {
      expect((await builds(engine.db.pool, id)).map((b) => b.transition)).toEqual(['stop']);
      expect((await workspaceRow(engine.db.pool, id)).nextStartAt).toEqual(NEXT);
    }
  });

  it('the skip is recorded as the evaluation’s outcome, with the explanation naming the policy and the instants', async () => {
    const { rows } = await engine.db.pool.query<{ outcome: { kind: string; skipped: string; decision: { explanation: string } } }>(
      `SELECT outcome FROM evaluations WHERE workspace_id = $1`,
      [ws.none[0]],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.outcome).toMatchObject({ kind: 'skipped', skipped: 'catch-up' });
    expect(rows[0]!.outcome.decision.explanation).toBe(
      `catch-up none: autostart due ${DUE.toISOString()} fell due while the engine was down (last completed tick ${T0.toISOString()}); ` +
        `skipped, next autostart ${NEXT.toISOString()}`,
    );
  });

  it('nothing happens twice: the tick after does nothing more', async () => {
    expect(afterR.transitions).toEqual({});
    expect(afterR.skipped).toEqual({});
    expect(afterR.errors).toBe(0);
    expect((await findLastCompletedTick(engine.db.pool))?.tick).toEqual(plus(R, MIN));
  });

  it('the reliability checker agrees: each policy’s autostarts started once at R or not at all, autostop once', async () => {
    const due = (ids: string[], policy: CatchupPolicy, windowMs = 0) =>
      ids.map((workspaceId) => ({ workspaceId, transition: 'start' as const, catchup: { policy, windowMs, due: DUE } }));
    await assertInvariants({
      pool: engine.db.pool,
      client: engine.temporal.client,
      taskQueue: engine.taskQueue,
      since: T0,
      settleMs: 20_000,
      expectOnce: [
        ...[...ws.all, ...ws.latest90].map((workspaceId) => ({ workspaceId, transition: 'start' as const })),
        ...ws.autostopNone.map((workspaceId) => ({ workspaceId, transition: 'stop' as const, reason: 'autostop' })),
      ],
      neverEligible: [...ws.latest30, ...ws.none],
      dueAtRecovery: {
        firstTick: R,
        workspaces: [
          ...due(ws.all, 'all'),
          ...due(ws.latest90, 'latest', 90 * MIN),
          ...due(ws.latest30, 'latest', 30 * MIN),
          ...due(ws.none, 'none'),
          ...ws.autostopNone.map((workspaceId) => ({ workspaceId, transition: 'stop' as const })),
        ],
      },
      ticks: [atT0, atR, afterR],
    });
  });
});

describe('the last completed tick only moves forward', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await startEngine();
    await engine.startWorker();
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
  });

  it('a manual tick of an earlier minute, and the same minute again, leave it where it is', async () => {
    expect(await findLastCompletedTick(engine.db.pool)).toBeNull();
    await engine.tick(R);
    await engine.tick(T0);
    await engine.tick(R);
    expect((await findLastCompletedTick(engine.db.pool))?.tick).toEqual(R);
  });
});
