// Issue 23, case 3: outage and catch-up. An engine run as `npm start` runs it
// ticks at T0; then the worker is down and the Temporal dev server is stopped
// (and restarted later on the same SQLite file) for a simulated outage, during
// which workspaces become due: autostarts, autostops (deadlines), failed
// cleanup, dormancy, autodelete. The ticks are explicit minutes: T0, then
// nothing until R = T0 + the outage, the current minute (so that what the
// database clock writes at the builds' completion agrees with R). I3: every
// workspace due during or before the outage transitions at R, the first tick
// after recovery, exactly once, whatever the length of the outage, also 30
// days with 720 missed occurrences of an hourly schedule (Kubernetes 42649: a
// CronJob that missed more than 100 runs started none). The tick after R
// finds nothing more to do.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_WEEKDAYS, nextAllowedAutostart, parseWeeklySchedule, truncateToMinute } from '../../../src/lifecycle/index.js';
import { describeTickSchedule } from '../../../src/runtime/schedule.js';
import { startManualTick } from '../../../src/runtime/tick-client.js';
import type { TickStats } from '../../../src/workflows/tick-stats.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { createTemplate, createUser, createWorkspace, D, H, MIN, plus, workspaceRow } from '../../orchestration/fixtures.js';
import { assertInvariants } from './invariants.js';
import {
  caseDir,
  connectClient,
  type Engine,
  type OwnDevServer,
  pausedTickSchedule,
  startEngine,
  startOwnDevServer,
  waitUntil,
} from './own-stack.js';

/** Workspaces of each kind. */
const EACH = 3;

type Transition = 'start' | 'stop' | 'delete';

describe('outage and catch-up (issue 23, case 3)', () => {
  let dir: string;
  let temporal: OwnDevServer;
  let temporalClient: { client: Client; close(): Promise<void> };
  const engines: Engine[] = [];
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    dir = await caseDir('outage');
    temporal = await startOwnDevServer(dir);
    temporalClient = await connectClient(temporal.address);
    await pausedTickSchedule(temporalClient.client, 'outage-not-started');
  }, 120_000);

  afterAll(async () => {
    for (const e of engines) await e.stop().catch(() => {});
    for (const db of databases) await db.drop().catch(() => {});
    await temporalClient?.close();
    await temporal?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  async function outage(outageMs: number) {
    const client = temporalClient.client;
    const R = truncateToMinute(new Date());
    const T0 = plus(R, -outageMs);
    const half = outageMs / 2;
    const db = await createTestDatabase();
    databases.push(db);
    const pool = db.pool;

    // Templates: all rules off; dormancy after the outage's length of inactivity (and after twice
    // that); dormancy and autodelete; failed cleanup after half the outage.
    const plain = await createTemplate(pool);
    const dormancy = await createTemplate(pool, { timeTilDormantMs: outageMs });
    const autodelete = await createTemplate(pool, { timeTilDormantMs: outageMs, timeTilDormantAutodeleteMs: outageMs });
    const failure = await createTemplate(pool, { failureTtlMs: half });
    const dormancyLater = await createTemplate(pool, { timeTilDormantMs: 2 * outageMs });
    const owner = await createUser(pool);
    const running = (createdAt: Date, deadline: Date | null) => ({
      transition: 'start' as const,
      createdAt,
      completedAt: plus(createdAt, MIN),
      deadline,
    });
    const stopped = (createdAt: Date) => ({ transition: 'stop' as const, createdAt, completedAt: plus(createdAt, 30_000) });

    // An hourly schedule whose first fire after the workspace's stop is 7 minutes after T0:
    // due during the outage, and missed once an hour until R (720 times in 30 days).
    const hourly = `CRON_TZ=UTC ${(T0.getUTCMinutes() + 7) % 60} * * * *`;
    const lastStop = plus(T0, -MIN);
    const nextStart = nextAllowedAutostart(parseWeeklySchedule(hourly), plus(lastStop, 30_000), ALL_WEEKDAYS);
    expect(nextStart).toEqual(plus(T0, 7 * MIN));

    const make = (n: number, o: Omit<Parameters<typeof createWorkspace>[1], 'ownerId'>) =>
      Promise.all(Array.from({ length: n }, () => createWorkspace(pool, { ownerId: owner, ...o })));
    const ws = {
      // Due at T0, before the outage: stopped by the tick at T0.
      stopAtT0: await make(EACH, { template: plain, lastUsedAt: T0, build: running(plus(T0, -H), plus(T0, -MIN)) }),
      // Due during or at the edge of the outage.
      autostart: await make(EACH, {
        template: plain,
        lastUsedAt: lastStop,
        autostartSchedule: hourly,
        nextStartAt: nextStart,
        build: stopped(lastStop),
      }),
      autostop: await make(EACH, { template: plain, lastUsedAt: T0, build: running(plus(T0, -H), plus(T0, half)) }),
      // A deadline of exactly T0 is due at T0 + 1 min (strictly before), the first tick the outage took.
      autostopAtEdge: await make(EACH, { template: plain, lastUsedAt: T0, build: running(plus(T0, -H), T0) }),
      failedCleanup: await make(EACH, {
        template: failure,
        lastUsedAt: T0,
        build: { transition: 'start', createdAt: plus(T0, -half / 2 - MIN), completedAt: plus(T0, -half / 2), job: 'failed' },
      }),
      dormantRunning: await make(EACH, { template: dormancy, lastUsedAt: plus(T0, -half), build: running(plus(T0, -half), null) }),
      dormantStopped: await make(EACH, { template: dormancy, lastUsedAt: plus(T0, -half), build: stopped(plus(T0, -half)) }),
      autodelete: await make(EACH, {
        template: autodelete,
        lastUsedAt: plus(T0, -2 * outageMs),
        dormantAt: plus(T0, -half),
        deletingAt: plus(T0, half),
        build: stopped(plus(T0, -2 * outageMs)),
      }),
      // Never due: a deadline after R, no schedule, inactive for less than its template's dormancy.
      notDue: [
        ...(await make(EACH, { template: plain, lastUsedAt: T0, build: running(plus(T0, -H), plus(R, H)) })),
        ...(await make(EACH, { template: plain, lastUsedAt: T0, build: stopped(plus(T0, -H)) })),
        ...(await make(EACH, { template: dormancyLater, lastUsedAt: plus(T0, -MIN), build: stopped(plus(T0, -H)) })),
      ],
    };

    const taskQueue = `outage-${randomBytes(4).toString('hex')}`;
    const engineOptions = {
      databaseUrl: db.url,
      temporalAddress: temporal.address,
      taskQueue,
      env: { AUTOBUILD_SIMULATED_DURATION: '100ms' },
    };
    let engine = await startEngine({ ...engineOptions, dataDir: join(dir, `${taskQueue}-1`) });
    engines.push(engine);
    expect((await describeTickSchedule(client))?.paused).toBe(true); // only the test's ticks run

    const ticks: string[] = [];
    const tick = async (at: Date) => {
      const handle = await startManualTick(client, taskQueue, at);
      ticks.push(handle.workflowId);
      return handle.result();
    };
    const made = (t: TickStats) => Object.values(t.transitions).reduce((a, b) => a + b, 0);
    const atT0 = await tick(T0);
    expect(atT0.transitions).toEqual({ 'stop/autostop': EACH });
    expect(atT0.errors).toBe(0);

    // The outage: the worker stops, then the dev server; the dev server comes back on its SQLite file.
    await engine.stop();
    await temporal.stop();
    await temporal.restart();
    // It kept its history: the tick at T0 and the paused Schedule are still there.
    await waitUntil('the restarted dev server to answer', async () => (await describeTickSchedule(client)) !== null);
    expect((await describeTickSchedule(client))?.paused).toBe(true);
    expect((await client.workflow.getHandle(ticks[0]!).describe()).status.name).toBe('COMPLETED');
    engine = await startEngine({ ...engineOptions, dataDir: join(dir, `${taskQueue}-2`) });
    engines.push(engine);

    // The first tick after recovery does everything that became due, once.
    const atR = await tick(R);
    const dueTransitions = {
      'start/autostart': EACH,
      'stop/autostop': 3 * EACH, // the deadlines, at the edge or inside the outage, and failed cleanup
      'stop/dormancy': EACH,
      'delete/autodelete': EACH,
    };
    expect(atR.transitions).toEqual(dueTransitions);
    expect(atR.marked).toEqual({ dormant: 2 * EACH, reminded: 0 });
    expect(atR.errors).toBe(0);
    // A minute later, its builds done (a delete still running would be refused again, as an error: docs/rules.md#the-decision),
    // nothing is due any more.
    await waitUntil('the builds of the tick at R to finish', async () => {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM provisioner_jobs WHERE completed_at IS NULL');
      return rows[0]!.n === 0;
    });
    const afterR = await tick(plus(R, MIN));
    expect(made(afterR)).toBe(0);
    expect(afterR.marked).toEqual({ dormant: 0, reminded: 0 });

    const due = (ids: string[], transition: Transition) => ids.map((workspaceId) => ({ workspaceId, transition }));
    await assertInvariants({
      pool,
      client,
      taskQueue,
      since: T0,
      expectOnce: [
        ...due(ws.stopAtT0, 'stop'),
        ...due(ws.autostart, 'start'),
        ...due([...ws.autostop, ...ws.autostopAtEdge, ...ws.failedCleanup, ...ws.dormantRunning], 'stop'),
        ...due(ws.autodelete, 'delete'),
      ],
      dueAtRecovery: {
        firstTick: R,
        workspaces: [
          ...due(ws.autostart, 'start'),
          ...due([...ws.autostop, ...ws.autostopAtEdge, ...ws.failedCleanup, ...ws.dormantRunning], 'stop'),
          ...due(ws.autodelete, 'delete'),
        ],
      },
      neverEligible: [...ws.notDue, ...ws.dormantStopped],
      ticks: [atT0, atR, afterR],
    });
    // Dormancy, a mark rather than a transition, also at R, once.
    for (const id of [...ws.dormantRunning, ...ws.dormantStopped]) {
      const row = await workspaceRow(pool, id);
      expect(row.dormantAt).toEqual(R);
      expect(row.deletingAt).toBeNull();
    }
    for (const id of ws.autodelete) expect((await workspaceRow(pool, id)).deleted).toBe(true);
    expect(engine.alive()).toBe(true);
    await engine.stop();
  }

  it('three hours down: everything due meanwhile happens at the first tick after recovery, once', async () => outage(3 * H), 180_000);

  it('thirty days down, 720 missed autostart occurrences: the same, once', async () => outage(30 * D), 180_000);
});
