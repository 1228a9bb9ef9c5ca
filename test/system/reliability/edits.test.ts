// Case 5 of the reliability suite (docs/rules.md#per-workspace-transaction,
// docs/rules.md#other-changes): a person's edit racing the tick's evaluation
// of the same workspace. Every edit goes through the operations module (the
// code the CLI and the HTTP API call), on a pool of its own as in the API's
// process; the races are made deterministic by holding one side at an exact
// point — the evaluation before its transaction, the edit before its COMMIT,
// or the evaluation before its COMMIT — while the other side runs.
// The evaluation's re-check under the row lock decides on the values as they
// are then: no start after autostart was disabled, no stop after the deadline
// was extended; and an edit never starts a workspace by itself (Coder bug
// 2773: a schedule edit started a workspace).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEvaluateActivities } from '../../../src/activities/evaluate.js';
import { createPool, type Pool, type PoolClient } from '../../../src/db/pool.js';
import { databaseNow } from '../../../src/db/sql/complete-build.js';
import { ALL_WEEKDAYS, truncateToMinute } from '../../../src/lifecycle/index.js';
import { Ops, OpsError } from '../../../src/ops/index.js';
import type { TickStats } from '../../../src/workflows/tick-stats.js';
import {
  builds,
  createTemplate,
  createUser,
  createWorkspace,
  D,
  H,
  MIN,
  plus,
  type Template,
  type TemplateOptions,
  workspaceRow,
} from '../../orchestration/fixtures.js';
import { type Engine, jobsSettled, startEngine } from '../../orchestration/harness.js';
import { assertInvariants } from './invariants.js';

/** Runs `before` on the connection ahead of each statement it is given (by text or prepared-statement name). */
function hooked(pool: Pool, before: (statement: string) => Promise<void>): Pool {
  const label = (q: unknown): string =>
    typeof q === 'string' ? q : ((q as { name?: string; text: string }).name ?? (q as { text: string }).text);
  const wrap = (client: PoolClient): PoolClient =>
    new Proxy(client, {
      get(target, prop) {
        if (prop === 'query') {
          return async (q: unknown, values?: unknown) => {
            await before(label(q));
            return (target.query as (q: unknown, v?: unknown) => Promise<unknown>)(q, values);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'connect') return async () => wrap(await target.connect());
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** A barrier: callers `wait()` until `open()`; `arrived` counts them. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const g = {
    arrived: 0,
    open,
    async wait() {
      g.arrived++;
      await opened;
    },
  };
  return g;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sessions of this database waiting for a row lock. */
async function lockWaiters(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return rows[0]!.n;
}

const settled = <T>(p: Promise<T>): Promise<T | Error> =>
  p.then(
    (v) => v,
    (e: Error) => e,
  );

const weekdayOf = (d: Date) => ALL_WEEKDAYS[(d.getUTCDay() + 6) % 7]!;
/** A daily UTC schedule firing at the minute of `at`. */
const dailyAt = (at: Date) => `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;

describe('edits racing ticks', () => {
  let engine: Engine;
  /** The operations module on a pool of its own, as in the API's process. */
  let opsPool: Pool;
  let ops: Ops;
  let owner: string;
  let defaultTemplate: Template;
  /** The tick minute: the database clock's, so that edits (stamped with the database clock) and ticks agree. */
  let T: Date;

  beforeEach(async () => {
    engine = await startEngine();
    opsPool = createPool(engine.db.url, 20);
    ops = new Ops({ pool: opsPool, client: engine.temporal.client, taskQueue: engine.taskQueue });
    owner = await createUser(engine.db.pool);
    defaultTemplate = await createTemplate(engine.db.pool);
    T = truncateToMinute(await databaseNow(engine.db.pool));
  });
  afterEach(async () => {
    await opsPool?.end();
    await engine?.close();
  });

  const tick = (at: Date): Promise<TickStats> => engine.tick(at);
  const template = (o: TemplateOptions = {}) => createTemplate(engine.db.pool, o);

  /** Running since T − 2 h, its deadline passed a minute before T: autostop is due. */
  const dueForAutostop = (o: { template?: Template; ttlMs?: number; ownerId?: string } = {}) =>
    createWorkspace(engine.db.pool, {
      ownerId: o.ownerId ?? owner,
      template: o.template ?? defaultTemplate,
      ttlMs: o.ttlMs ?? H,
      lastUsedAt: plus(T, -H),
      build: { transition: 'start', createdAt: plus(T, -2 * H), deadline: plus(T, -MIN) },
    });
  /** Stopped for a day, its daily schedule fires at T: autostart is due. */
  const dueForAutostart = (o: { template?: Template; ownerId?: string } = {}) =>
    createWorkspace(engine.db.pool, {
      ownerId: o.ownerId ?? owner,
      template: o.template ?? defaultTemplate,
      autostartSchedule: dailyAt(T),
      nextStartAt: T,
      lastUsedAt: plus(T, -D),
      build: { transition: 'stop', createdAt: plus(T, -D) },
    });

  const buildCount = async (id: string) => (await builds(engine.db.pool, id)).length;
  const invariants = (
    ticks: TickStats[],
    extra: { neverEligible?: string[]; expectOnce?: Parameters<typeof assertInvariants>[0]['expectOnce'] } = {},
  ) => assertInvariants({ pool: engine.db.pool, client: engine.temporal.client, taskQueue: engine.taskQueue, ticks, ...extra });

  it('edits committed after the candidate query and before the evaluation: the re-check decides on the new values', async () => {
    const { pool } = engine.db;
    const suspendedOwner = await createUser(pool);
    const tAutostart = await template();
    const tDays = await template();
    const tDormancy = await template({ timeTilDormantMs: 7 * D });
    const tFailure = await template({ failureTtlMs: H });
    const tReminder = await template({ autostopNotifyBeforeMs: 30 * MIN, activityBumpMs: 0 });
    const tAutodelete = await template({ timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 30 * D });
    const tAutostop = await template();
    const ws = {
      autostartCleared: await dueForAutostart(),
      autostartDisallowed: await dueForAutostart({ template: tAutostart }),
      dayDisallowed: await dueForAutostart({ template: tDays }),
      ownerSuspended: await dueForAutostart({ ownerId: suspendedOwner }),
      extended: await dueForAutostop(),
      ttlRemoved: await dueForAutostop(),
      dormancyOff: await createWorkspace(pool, {
        ownerId: owner,
        template: tDormancy,
        lastUsedAt: plus(T, -8 * D),
        build: { transition: 'stop', createdAt: plus(T, -8 * D) },
      }),
      failureCleanupOff: await createWorkspace(pool, {
        ownerId: owner,
        template: tFailure,
        lastUsedAt: plus(T, -3 * H),
        build: { transition: 'start', createdAt: plus(T, -3 * H), job: 'failed', completedAt: plus(T, -2 * H) },
      }),
      reminderOff: await createWorkspace(pool, {
        ownerId: owner,
        template: tReminder,
        lastUsedAt: plus(T, -H),
        build: { transition: 'start', createdAt: plus(T, -2 * H), deadline: plus(T, 20 * MIN) },
      }),
      autodeleteOff: await createWorkspace(pool, {
        ownerId: owner,
        template: tAutodelete,
        lastUsedAt: plus(T, -60 * D),
        dormantAt: plus(T, -31 * D),
        deletingAt: plus(T, -D),
        build: { transition: 'stop', createdAt: plus(T, -31 * D) },
      }),
      // Changes that leave the due transition due: a new TTL applies from the next build, and so
      // does the template's default TTL once users may no longer set their own.
      ttlChanged: await dueForAutostop(),
      autostopDisallowed: await dueForAutostop({ template: tAutostop }),
    };
    const ids = Object.values(ws);
    const stillDue = [ws.ttlChanged, ws.autostopDisallowed];

    const held = gate();
    await engine.startWorker((a) => ({
      ...a,
      async evaluate(input) {
        await held.wait(); // the candidate query has run; the evaluation's transaction has not begun
        return a.evaluate(input);
      },
    }));
    const running = tick(T);
    await until('every candidate to reach its evaluation', () => held.arrived === ids.length);

    await ops.workspaces.setAutostart(ws.autostartCleared, null);
    await ops.templates.update(tAutostart.id, { allowUserAutostart: false });
    await ops.templates.update(tDays.id, { autostartAllowedDays: ALL_WEEKDAYS.filter((d) => d !== weekdayOf(T)) });
    await ops.users.setStatus(suspendedOwner, 'suspended');
    const extended = await ops.workspaces.extend(ws.extended, '2h');
    await ops.workspaces.setTtl(ws.ttlRemoved, null);
    await ops.templates.update(tDormancy.id, { timeTilDormant: 0 });
    await ops.templates.update(tFailure.id, { failureTtl: 0 });
    await ops.templates.update(tReminder.id, { autostopNotifyBefore: 0 });
    await ops.templates.update(tAutodelete.id, { timeTilDormantAutodelete: 0 });
    await ops.workspaces.setTtl(ws.ttlChanged, '8h');
    await ops.templates.update(tAutostop.id, { allowUserAutostop: false, defaultTtl: '8h' });
    held.open();

    const stats = await running;
    expect(stats.candidates).toBe(ids.length);
    expect(stats.transitions).toEqual({ 'stop/autostop': 2 });
    expect(stats.samples.transitions['stop/autostop']!.sort()).toEqual([...stillDue].sort());
    expect(stats.marked).toEqual({ dormant: 0, reminded: 0 });
    expect(stats.unchanged).toBe(ids.length - 2);
    expect(stats.errors).toBe(0);
    expect(stats.skipped).toEqual({});
    for (const [name, id] of Object.entries(ws)) {
      expect({ name, builds: await buildCount(id) }).toEqual({ name, builds: stillDue.includes(id) ? 2 : 1 });
    }
    for (const id of stillDue) {
      expect((await builds(pool, id))[1]).toMatchObject({ transition: 'stop', reason: 'autostop', createdAt: T });
    }
    expect(await workspaceRow(pool, ws.dormancyOff)).toMatchObject({ dormantAt: null });
    expect(await workspaceRow(pool, ws.autodeleteOff)).toMatchObject({ deleted: false, deletingAt: null });
    const { rows: notes } = await pool.query('SELECT kind FROM notifications WHERE workspace_id = ANY($1)', [ids]);
    expect(notes).toEqual([]);
    const { rows: deadline } = await pool.query('SELECT deadline FROM workspace_builds WHERE workspace_id = $1', [ws.extended]);
    expect(deadline[0].deadline).toEqual(extended.deadline);

    // The minute after, nothing more: every edit still holds.
    const next = await tick(plus(T, MIN));
    expect(next.transitions).toEqual({});
    await jobsSettled(engine, ids);
    await invariants([stats, next], {
      neverEligible: ids.filter((id) => !stillDue.includes(id)),
      expectOnce: stillDue.map((workspaceId) => ({ workspaceId, transition: 'stop' as const, reason: 'autostop' })),
    });
  });

  it("an edit holding the workspace's row lock: the evaluation skips it (lock held) without waiting, and the next tick decides on the edit once committed", async () => {
    const tDays = await template();
    const tAutostart = await template();
    const tAutodelete = await template({ timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 30 * D });
    const ws = {
      autostartCleared: await dueForAutostart(),
      dayDisallowed: await dueForAutostart({ template: tDays }),
      autostartDisallowed: await dueForAutostart({ template: tAutostart }),
      extended: await dueForAutostop(),
      ttlRemoved: await dueForAutostop(),
      markedDormant: await dueForAutostop(),
      autodeleteOff: await createWorkspace(engine.db.pool, {
        ownerId: owner,
        template: tAutodelete,
        lastUsedAt: plus(T, -60 * D),
        dormantAt: plus(T, -31 * D),
        deletingAt: plus(T, -D),
        build: { transition: 'stop', createdAt: plus(T, -31 * D) },
      }),
      ttlChanged: await dueForAutostop(),
    };
    const ids = Object.values(ws);
    await engine.startWorker();

    // Each edit has written and holds its rows' locks, and waits before its COMMIT.
    const commits = gate();
    const gatedOps = new Ops({
      pool: hooked(opsPool, async (statement) => {
        if (statement === 'COMMIT') await commits.wait();
      }),
      client: engine.temporal.client,
      taskQueue: engine.taskQueue,
    });
    const edits = [
      gatedOps.workspaces.setAutostart(ws.autostartCleared, null),
      gatedOps.templates.update(tDays.id, { autostartAllowedDays: ALL_WEEKDAYS.filter((d) => d !== weekdayOf(T)) }),
      gatedOps.templates.update(tAutostart.id, { allowUserAutostart: false }),
      gatedOps.workspaces.extend(ws.extended, '2h'),
      gatedOps.workspaces.setTtl(ws.ttlRemoved, null),
      gatedOps.workspaces.setDormant(ws.markedDormant, true),
      gatedOps.templates.update(tAutodelete.id, { timeTilDormantAutodelete: 0 }),
      gatedOps.workspaces.setTtl(ws.ttlChanged, '8h'),
    ].map((p) => settled<unknown>(p));
    await until('every edit to reach its COMMIT', () => commits.arrived === edits.length);

    const during = await tick(T);
    expect(during.candidates).toBe(ids.length);
    expect(during.skipped).toEqual({ 'lock held': ids.length });
    expect(during.transitions).toEqual({});
    expect(during.errors).toBe(0);

    commits.open();
    for (const e of await Promise.all(edits)) expect(e).not.toBeInstanceOf(Error);
    for (const id of ids) expect(await buildCount(id)).toBe(1);

    const after = await tick(plus(T, MIN));
    expect(after.transitions).toEqual({ 'stop/autostop': 1 });
    expect(after.samples.transitions['stop/autostop']).toEqual([ws.ttlChanged]);
    expect(after.errors).toBe(0);
    expect(after.skipped).toEqual({});
    for (const [name, id] of Object.entries(ws)) {
      expect({ name, builds: await buildCount(id) }).toEqual({ name, builds: name === 'ttlChanged' ? 2 : 1 });
    }
    expect(await workspaceRow(engine.db.pool, ws.markedDormant)).toMatchObject({ dormantAt: expect.any(Date) });
    await jobsSettled(engine, ids);
    await invariants([during, after], {
      neverEligible: ids.filter((id) => id !== ws.ttlChanged),
      expectOnce: [{ workspaceId: ws.ttlChanged, transition: 'stop', reason: 'autostop' }],
    });
  });

  it('an edit that waits for the evaluation holding the row lock applies after its build, on the workspace as the build left it', async () => {
    // Before the fix the waiting edit read no row at all (its read, re-checked after the wait,
    // joined the new workspace row to the old latest build): "no workspace <id>", a 404.
    const ws = {
      extended: await dueForAutostop(),
      autostartCleared: await dueForAutostart(),
      stopped: await dueForAutostop(),
      ttlRemoved: await dueForAutostop(),
    };
    const ids = Object.values(ws);
    const commits = gate();
    const { pool } = engine.db;
    const gatedPool = hooked(pool, async (statement) => {
      if (statement === 'COMMIT') await commits.wait();
    });
    await engine.startWorker((a) => ({
      ...a,
      ...createEvaluateActivities({ pool: gatedPool, client: engine.temporal.client, taskQueue: engine.taskQueue }),
    }));
    const running = tick(T);
    // Each evaluation has written its build and holds the workspace's row lock.
    await until('every evaluation to reach its COMMIT', () => commits.arrived === ids.length);
    const edits = {
      extended: settled(ops.workspaces.extend(ws.extended, '2h')),
      autostartCleared: settled(ops.workspaces.setAutostart(ws.autostartCleared, null)),
      stopped: settled(ops.workspaces.stop(ws.stopped)),
      ttlRemoved: settled(ops.workspaces.setTtl(ws.ttlRemoved, null)),
    };
    await until('every edit to wait for its row lock', async () => (await lockWaiters(pool)) === ids.length);
    commits.open();

    const stats = await running;
    expect(stats.transitions).toEqual({ 'stop/autostop': 3, 'start/autostart': 1 });
    expect(stats.errors).toBe(0);
    // The workspace stops: nothing left to extend.
    const extended = await edits.extended;
    expect(extended).toBeInstanceOf(OpsError);
    expect(extended).toMatchObject({ code: 'conflict', message: expect.stringMatching(/is not running \((pending|stopping|stopped)\)/) });
    // The start was made first; the schedule is cleared after it.
    expect(await edits.autostartCleared).toMatchObject({ autostartSchedule: null, nextStartAt: null });
    // A person's stop finds the engine's stop build.
    expect(await edits.stopped).toMatchObject({ code: 'conflict', message: expect.stringMatching(/already active|already stopped/) });
    // The TTL is cleared; the stop build stands.
    expect(await edits.ttlRemoved).toMatchObject({ ttlMs: null });
    for (const id of ids) expect(await buildCount(id)).toBe(2);

    await jobsSettled(engine, ids);
    const next = await tick(plus(T, MIN));
    expect(next.transitions).toEqual({});
    await invariants([stats, next], {
      expectOnce: [
        { workspaceId: ws.extended, transition: 'stop', reason: 'autostop' },
        { workspaceId: ws.autostartCleared, transition: 'start', reason: 'autostart' },
        { workspaceId: ws.stopped, transition: 'stop', reason: 'autostop' },
        { workspaceId: ws.ttlRemoved, transition: 'stop', reason: 'autostop' },
      ],
    });
  });

  it("a template edit and a workspace's creation that wait for a version's promotion read the template as promoted", async () => {
    // Before the fix both failed with "no template <name>" (a 404): their read, re-checked after
    // the wait, joined the promoted template row to the version it no longer names.
    await engine.startWorker();
    const username = (await ops.users.create({ username: `racer${Date.now().toString(36)}` })).username;
    const name = `racing${Date.now().toString(36)}`;
    await ops.templates.create({ name });
    await ops.templates.createVersion(name, 'v2');
    const commits = gate();
    const admin = new Ops({
      pool: hooked(opsPool, async (statement) => {
        if (statement === 'COMMIT') await commits.wait();
      }),
      client: engine.temporal.client,
      taskQueue: engine.taskQueue,
    });
    const promoted = settled(admin.templates.promoteVersion(name, 'v2'));
    await until('the promotion to reach its COMMIT', () => commits.arrived === 1);
    const updated = settled(ops.templates.update(name, { failureTtl: '1h' }));
    const created = settled(ops.workspaces.create({ owner: username, template: name, name: 'fresh' }));
    await until('both to wait for the template row', async () => (await lockWaiters(engine.db.pool)) === 2);
    commits.open();

    expect(await promoted).toMatchObject({ activeVersion: { name: 'v2' } });
    expect(await updated).toMatchObject({ template: { activeVersion: { name: 'v2' }, policy: { failureTtlMs: H } } });
    const workspace = await created;
    expect(workspace).toMatchObject({ buildNumber: 1, transition: 'start' });
    const build = await ops.workspaces.build(`${username}/fresh`, 1);
    expect(build.templateVersion).toBe('v2');
    await ops.waitForBuild((workspace as { jobId: string }).jobId, 20_000);
    await invariants([]);
  });

  it('an edit never starts a workspace by itself: schedules whose occurrence is before the last tick, days allowed again, dormancy cleared', async () => {
    // Coder bug 2773. The last tick ran at T; each edit below makes a schedule "due" by the
    // workspace's old build time, but its next occurrence is counted from the edit (now), so
    // neither that tick's minute run again nor the next minute starts anything.
    const { pool } = engine.db;
    const tDays = await template({ autostartAllowedDays: ALL_WEEKDAYS.filter((d) => d !== weekdayOf(T)) });
    const tAutostartOff = await template({ allowUserAutostart: false });
    const stoppedLongAgo = (o: { template?: Template; schedule?: string | null; dormant?: boolean } = {}) =>
      createWorkspace(pool, {
        ownerId: owner,
        template: o.template ?? defaultTemplate,
        autostartSchedule: o.schedule ?? null,
        lastUsedAt: plus(T, -3 * D),
        dormantAt: o.dormant ? plus(T, -D) : null,
        build: { transition: 'stop', createdAt: plus(T, -3 * D) },
      });
    await engine.startWorker();
    const first = await tick(T);
    const ws = {
      minuteBefore: await stoppedLongAgo(),
      sameMinute: await stoppedLongAgo(),
      hourBefore: await stoppedLongAgo(),
      dayAllowedAgain: await stoppedLongAgo({ template: tDays, schedule: dailyAt(plus(T, -MIN)) }),
      autostartAllowedAgain: await stoppedLongAgo({ template: tAutostartOff, schedule: dailyAt(plus(T, -MIN)) }),
      woken: await stoppedLongAgo({ schedule: dailyAt(plus(T, -MIN)), dormant: true }),
    };
    const fires = await stoppedLongAgo();
    const ids = Object.values(ws);

    await ops.workspaces.setAutostart(ws.minuteBefore, dailyAt(plus(T, -MIN)));
    await ops.workspaces.setAutostart(ws.sameMinute, dailyAt(T));
    await ops.workspaces.setAutostart(ws.hourBefore, `*/5 ${plus(T, -H).getUTCHours()} * * *`);
    await ops.templates.update(tDays.id, { autostartAllowedDays: ALL_WEEKDAYS });
    await ops.templates.update(tAutostartOff.id, { allowUserAutostart: true });
    await ops.workspaces.setDormant(ws.woken, false);
    // A control: a schedule whose next occurrence is after the edit fires at its minute.
    const control = await ops.workspaces.setAutostart(fires, dailyAt(plus(T, 2 * MIN)));
    expect(control.nextStartAt).toEqual(plus(T, 2 * MIN));
    for (const id of [...ids, fires]) expect(await buildCount(id)).toBe(1);
    for (const id of ids) {
      const row = await workspaceRow(pool, id);
      expect(row.autostartBlocked).toBeNull();
      expect(row.nextStartAt!.getTime()).toBeGreaterThan(plus(T, 2 * MIN).getTime());
    }

    const ticks = [first, await tick(T), await tick(plus(T, MIN)), await tick(plus(T, 2 * MIN))];
    expect(ticks.slice(0, 3).map((t) => t.transitions)).toEqual([{}, {}, {}]);
    expect(ticks[3]!.transitions).toEqual({ 'start/autostart': 1 });
    expect(ticks[3]!.samples.transitions['start/autostart']).toEqual([fires]);
    for (const id of ids) expect(await buildCount(id)).toBe(1);
    await jobsSettled(engine, [...ids, fires]);
    await invariants(ticks, {
      neverEligible: ids,
      expectOnce: [{ workspaceId: fires, transition: 'start', reason: 'autostart' }],
    });
  });
});
