// Case 6 of the reliability suite (docs/rules.md#errors-and-statistics): one
// page of candidates holding rows that a real database can hold — written by
// hand, by an older version, imported — beside healthy due workspaces. Each
// bad row stays its own workspace's problem and is counted in the tick's
// statistics (an error, a skip, or not a candidate at all); the rest of the
// page is processed, each healthy workspace transitioning once. The rows are
// written with plain SQL, past the operations module's validation, wherever
// the schema lets them in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverStaleJobs } from '../../../src/builds/recovery.js';
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
  workspaceRow,
} from '../../orchestration/fixtures.js';
import { type Engine, jobsSettled, quietLog, startEngine } from '../../orchestration/harness.js';
import { assertInvariants } from './invariants.js';

const T = new Date('2024-03-04T09:00:00Z'); // a Monday

describe('bad rows in one page of candidates', () => {
  let engine: Engine;
  const ws: Record<string, string> = {};
  let stats: TickStats;
  let second: TickStats;

  beforeAll(async () => {
    engine = await startEngine();
    const { pool } = engine.db;
    const owner = await createUser(pool);
    const suspended = await createUser(pool, 'suspended');
    const dormantOwner = await createUser(pool, 'dormant');
    const plain = await createTemplate(pool);
    const failure = await createTemplate(pool, { failureTtlMs: H });
    const autodelete = await createTemplate(pool, { timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 30 * D });
    const unversioned = await createTemplate(pool, { requireActiveVersion: true });
    // A template without an active version: the column is nullable (its foreign key is deferred).
    await pool.query('UPDATE templates SET active_version_id = NULL WHERE id = $1', [unversioned.id]);

    const running = (deadline: Date | null, extra: { job?: 'running' | 'pending' | 'failed' } = {}) => ({
      transition: 'start' as const,
      createdAt: plus(T, -2 * H),
      deadline,
      ...extra,
    });
    const stopped = { transition: 'stop' as const, createdAt: plus(T, -D) };
    const make = (o: {
      template?: Template;
      ownerId?: string;
      schedule?: string | null;
      nextStartAt?: Date | null;
      dormantAt?: Date | null;
      deletingAt?: Date | null;
      lastUsedAt?: Date;
      build: Parameters<typeof createWorkspace>[1]['build'];
    }) =>
      createWorkspace(pool, {
        ownerId: o.ownerId ?? owner,
        template: o.template ?? plain,
        autostartSchedule: o.schedule ?? null,
        nextStartAt: o.nextStartAt ?? null,
        dormantAt: o.dormantAt ?? null,
        deletingAt: o.deletingAt ?? null,
        lastUsedAt: o.lastUsedAt ?? plus(T, -H),
        build: o.build,
      });
    const dueStart = { schedule: '0 9 * * *', nextStartAt: T, build: stopped };

    // Healthy and due: the rest of the page.
    for (let i = 1; i <= 4; i++) ws[`stopDue${i}`] = await make({ build: running(plus(T, -MIN)) });
    for (let i = 1; i <= 2; i++) ws[`startDue${i}`] = await make(dueStart);

    // Schedules that do not parse: recorded as blocked, reported once as an error.
    ws.unparsable = await make({ ...dueStart, schedule: 'every weekday at nine' });
    ws.unknownZone = await make({ ...dueStart, schedule: 'CRON_TZ=Mars/Olympus 0 9 * * *' });
    // Deadlines: the zero instant (Go's zero time, what a Coder database holds for "unset") and
    // the Unix epoch are instants in the past — stopped at once; NULL is the only "no deadline".
    ws.zeroDeadline = await make({ build: running(new Date('0001-01-01T00:00:00Z')) });
    ws.epochDeadline = await make({ build: running(new Date(0)) });
    ws.nullDeadline = await make({ build: running(null) });
    // Deleted: never a candidate.
    ws.deleted = await make({ build: running(plus(T, -MIN)) });
    await pool.query('UPDATE workspaces SET deleted = true WHERE id = $1', [ws.deleted]);
    // Dormant: never autostopped, even past its deadline; dormant without a deletion date: never deleted.
    ws.dormantRunning = await make({ dormantAt: plus(T, -D), build: running(plus(T, -MIN)) });
    ws.dormantNoDeletion = await make({ template: autodelete, dormantAt: plus(T, -40 * D), lastUsedAt: plus(T, -50 * D), build: stopped });
    // Owners: a suspended owner's running workspace stops at once; not-active owners never autostart.
    ws.suspendedRunning = await make({ ownerId: suspended, build: running(plus(T, 5 * H)) });
    ws.suspendedStopped = await make({ ...dueStart, ownerId: suspended });
    ws.dormantOwnerStopped = await make({ ...dueStart, ownerId: dormantOwner });
    // The latest build failed: no autostop and no autostart; failed cleanup when the template says so.
    ws.failedStart = await make({ build: running(plus(T, -MIN), { job: 'failed' }) });
    ws.failedStop = await make({ ...dueStart, build: { ...stopped, job: 'failed' } });
    ws.failedCleanup = await make({
      template: failure,
      build: { transition: 'start', createdAt: plus(T, -3 * H), job: 'failed', completedAt: plus(T, -2 * H) },
    });
    // A job in progress: the due stop is refused ("a build is already active"), an error the next tick retries.
    ws.jobRunning = await make({ build: running(plus(T, -MIN), { job: 'running' }) });
    ws.jobPending = await make({ build: running(plus(T, -MIN), { job: 'pending' }) });
    // An autostart that must build the active version of a template that has none.
    ws.noVersion = await make({ ...dueStart, template: unversioned });
    // A deadline of minus infinity: timestamptz holds it, and the driver reads it as a number, not a Date.
    ws.minusInfinity = await make({ build: running(plus(T, -MIN)) });
    await pool.query(`UPDATE workspace_builds SET deadline = '-infinity' WHERE workspace_id = $1`, [ws.minusInfinity]);
    // An owner whose quiet hours name a zone that does not exist, under a template with an autostop requirement:
    // the max deadline is computed from them when the start build completes.
    const badQuietHours = await createUser(pool);
    await pool.query(`UPDATE users SET quiet_hours_schedule = 'CRON_TZ=Mars/Olympus 0 0 * * *' WHERE id = $1`, [badQuietHours]);
    const requirement = await createTemplate(pool);
    await pool.query(
      `UPDATE templates SET autostop_requirement_days = '{monday,tuesday,wednesday,thursday,friday,saturday,sunday}' WHERE id = $1`,
      [requirement.id],
    );
    ws.badQuietHours = await make({ ...dueStart, ownerId: badQuietHours, template: requirement });
    // Deleted after the candidate query, before its evaluation: skipped as gone.
    ws.deletedDuringTick = await make({ build: running(plus(T, -MIN)) });

    await engine.startWorker((a) => ({
      ...a,
      async findCandidatePage(input) {
        const page = await a.findCandidatePage(input);
        await pool.query('UPDATE workspaces SET deleted = true WHERE id = $1', [ws.deletedDuringTick]);
        return page;
      },
    }));
    // A small window, so that bad and healthy rows are evaluated side by side.
    stats = await engine.tick(T, { batchSize: 3 });
    second = await engine.tick(plus(T, MIN), { batchSize: 3 });
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
  });

  const buildsOf = (name: string) => builds(engine.db.pool, ws[name]!);
  const healthy = () => Object.keys(ws).filter((n) => n.startsWith('stopDue') || n.startsWith('startDue'));
  const errorsOf = (t: TickStats) => Object.fromEntries(t.samples.errors.map((e) => [e.workspaceId, e.message]));

  it('the page holds every row the candidate query selects, and the tick counts each: transitions, errors, unchanged', () => {
    expect(stats.candidates).toBe(18);
    expect(stats.transitions).toEqual({ 'stop/autostop': 8, 'start/autostart': 3 });
    expect(stats.samples.transitions['start/autostart']!.sort()).toEqual([ws.startDue1, ws.startDue2, ws.badQuietHours].sort());
    expect(stats.samples.transitions['stop/autostop']!.sort()).toEqual(
      [
        ...healthy()
          .filter((n) => n.startsWith('stopDue'))
          .map((n) => ws[n]),
        ws.zeroDeadline,
        ws.epochDeadline,
        ws.suspendedRunning,
        ws.failedCleanup,
      ].sort(),
    );
    expect(stats.errors).toBe(6);
    const errors = errorsOf(stats);
    expect(Object.keys(errors).sort()).toEqual(
      [ws.unparsable, ws.unknownZone, ws.jobRunning, ws.jobPending, ws.noVersion, ws.minusInfinity].sort(),
    );
    expect(errors[ws.unparsable!]).toMatch(
      /^autostart blocked: the autostart schedule does not parse: invalid schedule "every weekday at nine"/,
    );
    expect(errors[ws.unknownZone!]).toMatch(/does not parse: .*Mars\/Olympus/);
    expect(errors[ws.jobRunning!]).toMatch(/a build is already active for workspace .* \(job running\)/);
    expect(errors[ws.jobPending!]).toMatch(/a build is already active for workspace .* \(job pending\)/);
    expect(errors[ws.noVersion!]).toMatch(/^invalid data: .*template_version_id/);
    expect(errors[ws.minusInfinity!]).toMatch(/^cannot decide: /);
    expect(stats.skipped).toEqual({ gone: 1 });
    expect(stats.samples.skipped.gone).toEqual([ws.deletedDuringTick]);
    expect(stats.unchanged).toBe(0);
    expect(stats.marked).toEqual({ dormant: 0, reminded: 0 });
  });

  it('the rest of the page is processed: each healthy due workspace transitions once, stamped with T', async () => {
    for (const name of healthy()) {
      const all = await buildsOf(name);
      expect(all).toHaveLength(2);
      expect(all[1]).toMatchObject({
        transition: name.startsWith('stopDue') ? 'stop' : 'start',
        reason: name.startsWith('stopDue') ? 'autostop' : 'autostart',
        createdAt: T,
      });
    }
  });

  it('a zero or epoch deadline is a deadline in the past: stopped at the first tick (Coder 1942 never stopped it); NULL never stops', async () => {
    for (const name of ['zeroDeadline', 'epochDeadline']) {
      expect((await buildsOf(name)).map((b) => `${b.transition}/${b.reason}`)).toEqual(['start/initiator', 'stop/autostop']);
    }
    expect(await buildsOf('nullDeadline')).toHaveLength(1);
  });

  it('rows that are not candidates are left alone: deleted, dormant, owners not active, a failed latest build', async () => {
    for (const name of [
      'deleted',
      'dormantRunning',
      'dormantNoDeletion',
      'suspendedStopped',
      'dormantOwnerStopped',
      'failedStart',
      'failedStop',
    ]) {
      expect({ name, builds: (await buildsOf(name)).length }).toEqual({ name, builds: 1 });
    }
    expect((await buildsOf('suspendedRunning')).at(-1)).toMatchObject({ transition: 'stop', reason: 'autostop' });
    expect((await buildsOf('failedCleanup')).at(-1)).toMatchObject({ transition: 'stop', reason: 'autostop' });
    expect((await workspaceRow(engine.db.pool, ws.dormantNoDeletion!)).deleted).toBe(false);
  });

  it('an unparsable schedule is recorded as blocked, fails its own evaluation only, and leaves the candidates', async () => {
    for (const name of ['unparsable', 'unknownZone']) {
      expect((await workspaceRow(engine.db.pool, ws[name]!)).autostartBlocked).toMatch(/does not parse/);
      const run = await engine.temporal.client.workflow.getHandle(`workspace/${ws[name]}`).describe();
      expect(run.status.name).toBe('FAILED');
    }
    expect(Object.keys(errorsOf(second))).not.toContain(ws.unparsable);
    expect(Object.keys(errorsOf(second))).not.toContain(ws.unknownZone);
  });

  it('the next tick retries what is still due and nothing else: the jobs in progress, the missing version, the infinite deadline', () => {
    expect(second.transitions).toEqual({});
    expect(second.candidates).toBe(4);
    expect(Object.keys(errorsOf(second)).sort()).toEqual([ws.jobRunning, ws.jobPending, ws.noVersion, ws.minusInfinity].sort());
  });

  it("an owner's quiet hours that no longer parse: the start build completes, its max deadline from the default quiet hours", async () => {
    // Before the fix its completion failed on every attempt, for ever: the job stayed running and
    // the workspace "starting", refusing every other build.
    await jobsSettled(engine, [ws.badQuietHours!]);
    const { rows } = await engine.db.pool.query(
      `SELECT b.max_deadline, j.completed_at, job_status(j.started_at, j.completed_at, j.canceled_at, j.error) AS status
         FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
        WHERE b.workspace_id = $1 AND b.build_number = 2`,
      [ws.badQuietHours],
    );
    expect(rows[0].status).toBe('succeeded');
    // The default quiet hours are midnight UTC: the max deadline is a midnight at least two hours after completion.
    const maxDeadline: Date = rows[0].max_deadline;
    expect(maxDeadline.toISOString()).toMatch(/T00:00:00\.000Z$/);
    expect(maxDeadline.getTime()).toBeGreaterThanOrEqual(rows[0].completed_at.getTime() + 2 * H);
  });

  it('once the sweep has run the orphaned jobs, the invariants hold', async () => {
    // The fixture's jobs in progress have no build workflow: the recovery sweep hands them on.
    const report = await recoverStaleJobs(
      { pool: engine.db.pool, client: engine.temporal.client, taskQueue: engine.taskQueue, log: quietLog },
      0,
    );
    expect(report.handedOff.length).toBeGreaterThanOrEqual(2);
    await jobsSettled(engine, Object.values(ws));
    const invalid = new Set([ws.unparsable, ws.unknownZone, ws.noVersion, ws.minusInfinity].map((id) => `workspace/${id}`));
    await assertInvariants({
      pool: engine.db.pool,
      client: engine.temporal.client,
      taskQueue: engine.taskQueue,
      ticks: [stats, second],
      expectedErrors: 10,
      allowFailed: (id, status) => status === 'FAILED' && invalid.has(id),
      expectOnce: [
        ...healthy().map((n) => ({
          workspaceId: ws[n]!,
          transition: n.startsWith('stopDue') ? ('stop' as const) : ('start' as const),
        })),
        { workspaceId: ws.badQuietHours!, transition: 'start' as const },
        ...['zeroDeadline', 'epochDeadline', 'suspendedRunning', 'failedCleanup'].map((n) => ({
          workspaceId: ws[n]!,
          transition: 'stop' as const,
        })),
      ],
      neverEligible: [
        'unparsable',
        'unknownZone',
        'nullDeadline',
        'deleted',
        'dormantRunning',
        'dormantNoDeletion',
        'suspendedStopped',
        'dormantOwnerStopped',
        'failedStart',
        'failedStop',
        'jobRunning',
        'jobPending',
        'noVersion',
        'minusInfinity',
        'deletedDuringTick',
      ].map((n) => ws[n]!),
    });
  });
});
