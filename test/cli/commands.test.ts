// Every command through the real binary against the real database, dev
// server and a worker: output, `--json` shapes and exit codes. The tests in
// this file run in order and share one set of users, templates and workspaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTickSchedule } from '../../src/runtime/schedule.js';
import { type CliHarness, expectRefused, startCliHarness, TEST_TZ } from './harness.js';

const HOUR = 3_600_000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let h: CliHarness;
beforeAll(async () => {
  h = await startCliHarness({ simulatedDurationMs: 1500 });
  await h.startWorker();
});
afterAll(async () => h?.close());

async function rowCount(table: string): Promise<number> {
  const { rows } = await h.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

describe('users', () => {
  it('user create prints the user; --json has its fields', async () => {
    const human = await h.cli(['user', 'create', 'alice', '--quiet-hours', 'CRON_TZ=Europe/Berlin 0 23 * * *']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/user alice created/);
    expect(human.stdout).toMatch(new RegExp(`created: .* ${TEST_TZ}`));

    const r = await h.cli(['user', 'create', 'bob', '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      id: expect.any(String),
      username: 'bob',
      status: 'active',
      quietHoursSchedule: null,
      createdAt: expect.stringMatching(ISO),
    });
  });

  it('refuses a duplicate and a malformed quiet-hours schedule, changing nothing', async () => {
    expectRefused(await h.cli(['user', 'create', 'alice']), /user alice already exists/);
    expectRefused(await h.cli(['user', 'quiet-hours', 'bob', 'CRON_TZ=Europe/Berlin 0 23 * * mon']), /quiet hours schedule/);
    const { rows } = await h.db.pool.query(`SELECT quiet_hours_schedule FROM users WHERE username = 'bob'`);
    expect(rows[0].quiet_hours_schedule).toBeNull();
  });

  it('suspend, activate, quiet-hours --clear', async () => {
    expect((await h.cli(['user', 'suspend', 'bob', '--json'])).json().status).toBe('suspended');
    expect((await h.cli(['user', 'activate', 'bob', '--json'])).json().status).toBe('active');
    expect((await h.cli(['user', 'quiet-hours', 'bob', '--clear', '--json'])).json().quietHoursSchedule).toBeNull();
    expectRefused(await h.cli(['user', 'quiet-hours', 'bob']), /either a daily schedule .* or --clear/);
  });
});

describe('templates', () => {
  it('template create takes one flag per option; --json has durations in ms and full day names', async () => {
    const r = await h.cli([
      'template',
      'create',
      'dev',
      '--default-ttl',
      '8h',
      '--activity-bump',
      '30m',
      '--allow-user-autostart',
      'true',
      '--allow-user-autostop',
      'true',
      '--autostart-days',
      'mon-fri',
      '--failure-ttl',
      '0',
      '--dormancy-threshold',
      '7d',
      '--dormancy-autodelete',
      '30d',
      '--autostop-notify-before',
      '15m',
      '--autostop-requirement-days',
      'sat,sun',
      '--autostop-requirement-weeks',
      '2',
      '--require-active-version',
      'false',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      name: 'dev',
      activeVersion: 'v1',
      defaultTtlMs: 8 * HOUR,
      activityBumpMs: 30 * 60_000,
      allowUserAutostart: true,
      allowUserAutostop: true,
      autostartAllowedDays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      failureTtlMs: 0,
      timeTilDormantMs: 7 * 24 * HOUR,
      timeTilDormantAutodeleteMs: 30 * 24 * HOUR,
      autostopNotifyBeforeMs: 15 * 60_000,
      autostopRequirementDays: ['saturday', 'sunday'],
      autostopRequirementWeeks: 2,
      requireActiveVersion: false,
    });
  });

  it('refuses a bad duration, a bad day list and an out-of-range option, changing nothing', async () => {
    const before = await rowCount('templates');
    expectRefused(await h.cli(['template', 'create', 'bad', '--default-ttl', '8 hours']), /--default-ttl .*invalid duration "8 hours"/);
    expectRefused(
      await h.cli(['template', 'create', 'bad', '--autostart-days', 'mon-funday']),
      /--autostart-days .*invalid weekday "mon-funday"/,
    );
    expectRefused(await h.cli(['template', 'update', 'dev', '--autostop-requirement-weeks', '17']), /autostop requirement weeks/);
    expect(await rowCount('templates')).toBe(before);
  });

  it('update, show, list, versions', async () => {
    const u = await h.cli(['template', 'update', 'dev', '--dormancy-threshold', '0', '--autostop-requirement-days', 'none', '--json']);
    expect(u.json()).toMatchObject({ timeTilDormantMs: 0, autostopRequirementDays: [], defaultTtlMs: 8 * HOUR });
    expect((await h.cli(['template', 'version', 'create', 'dev', 'v2', '--json'])).json()).toMatchObject({ name: 'v2', active: false });
    expect((await h.cli(['template', 'version', 'promote', 'dev', 'v2', '--json'])).json().activeVersion).toBe('v2');
    const show = await h.cli(['template', 'show', 'dev']);
    expect(show.stdout).toMatch(/default TTL: +8h/);
    expect(show.stdout).toMatch(/versions: +v1, v2 \(active\)/);
    expect((await h.cli(['template', 'list', '--json'])).json().map((t: { name: string }) => t.name)).toEqual(['dev']);
  });
});

describe('workspaces', () => {
  const SCHEDULE = 'CRON_TZ=Europe/Berlin 0 9 * * mon-fri';

  it('workspace create waits for the initial build and prints its outcome', async () => {
    const r = await h.cli(['workspace', 'create', 'alice/dev', '--template', 'dev', '--autostart', SCHEDULE, '--ttl', '4h']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/build #1 \(start\) of alice\/dev succeeded/);
    expect(r.stdout).toMatch(new RegExp(`deadline: .* ${TEST_TZ} \\(in `));
  });

  it('workspace show --json has the contract fields', async () => {
    const w = (await h.cli(['workspace', 'show', 'alice/dev', '--json'])).json();
    expect(w).toMatchObject({
      owner: 'alice',
      name: 'dev',
      template: 'dev',
      autostartSchedule: SCHEDULE,
      ttlMs: 4 * HOUR,
      dormantAt: null,
      deletingAt: null,
      latestBuild: {
        buildNumber: 1,
        transition: 'start',
        reason: 'initiator',
        initiator: 'alice',
        workflowId: null,
        job: { status: 'succeeded', error: null },
      },
    });
    for (const k of ['id', 'lastUsedAt', 'nextStartAt']) expect(w).toHaveProperty(k);
    expect(w.lastUsedAt).toMatch(ISO);
    expect(w.nextStartAt).toMatch(ISO);
    for (const k of ['createdAt', 'deadline']) expect(w.latestBuild[k]).toMatch(ISO);
    expect(w.latestBuild).toHaveProperty('maxDeadline', null);
    for (const k of ['id', 'startedAt', 'completedAt']) expect(w.latestBuild.job[k]).toEqual(expect.any(String));

    const human = await h.cli(['workspace', 'show', 'alice/dev']);
    expect(human.stdout).toMatch(/status: +running/);
    expect(human.stdout).toMatch(/next autostart/);
  });

  it('refuses an unknown workspace, a malformed name and a malformed schedule, changing nothing', async () => {
    expectRefused(await h.cli(['workspace', 'show', 'alice/nope']), /no workspace alice\/nope/);
    expectRefused(await h.cli(['workspace', 'stop', 'alice']), /<owner>\/<name>/);
    const before = await rowCount('workspaces');
    expectRefused(
      await h.cli(['workspace', 'create', 'bob/x', '--template', 'dev', '--autostart', 'CRON_TZ=Europe/Berlin 0 9 * * monday']),
      /invalid autostart schedule/,
    );
    expectRefused(await h.cli(['workspace', 'schedule', 'set', 'alice/dev', '0 25 * * *']), /invalid autostart schedule/);
    expectRefused(await h.cli(['workspace', 'ttl', 'set', 'alice/dev', '8x']), /invalid duration "8x"/);
    expect(await rowCount('workspaces')).toBe(before);
    const { rows } = await h.db.pool.query(`SELECT autostart_schedule, ttl_ms FROM workspaces WHERE name = 'dev'`);
    expect(rows).toEqual([{ autostart_schedule: SCHEDULE, ttl_ms: 4 * HOUR }]);
  });

  it('refuses a build while one is active; cancel ends it', async () => {
    // Without a worker the stop build stays pending for as long as the test needs.
    await h.stopWorker();
    try {
      const stop = await h.cli(['workspace', 'stop', 'alice/dev', '--no-wait', '--json']);
      expect(stop.code, stop.stderr).toBe(0);
      expect(stop.json().build).toMatchObject({ buildNumber: 2, transition: 'stop', job: { status: 'pending' } });
      expectRefused(await h.cli(['workspace', 'start', 'alice/dev']), /a build is already active for workspace alice\/dev/);
      const cancel = await h.cli(['workspace', 'cancel', 'alice/dev', '--json']);
      expect(cancel.code, cancel.stderr).toBe(0);
      expect(cancel.json()).toMatchObject({ workspace: 'alice/dev', status: 'canceled' });

      // Ctrl-C ends a wait that nobody answers (the server still lists the stopped worker as a poller).
      const waiting = h.spawn(['tick', '--worker-timeout', '2m']);
      await new Promise((r) => setTimeout(r, 3000));
      waiting.child.kill('SIGINT');
      const interrupted = await waiting.done;
      expectRefused(interrupted, /^autobuild: interrupted; the tick goes on in the engine/, 130);
    } finally {
      await h.startWorker();
    }
  });

  it('start waits for the build; schedule, TTL, extend, activity', async () => {
    const start = await h.cli(['workspace', 'start', 'alice/dev', '--json']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.json().build).toMatchObject({ buildNumber: 3, transition: 'start', job: { status: 'succeeded' } });

    const set = (await h.cli(['workspace', 'schedule', 'set', 'alice/dev', 'CRON_TZ=Asia/Tokyo 30 8 * * 1-5', '--json'])).json();
    expect(set).toMatchObject({ autostartSchedule: 'CRON_TZ=Asia/Tokyo 30 8 * * 1-5', nextStartAt: expect.stringMatching(ISO) });
    expect((await h.cli(['workspace', 'schedule', 'clear', 'alice/dev', '--json'])).json()).toMatchObject({
      autostartSchedule: null,
      nextStartAt: null,
    });
    expect((await h.cli(['workspace', 'ttl', 'set', 'alice/dev', '2h', '--json'])).json()).toMatchObject({ ttlMs: 2 * HOUR });

    const extended = (await h.cli(['workspace', 'extend', 'alice/dev', '90m', '--json'])).json();
    expect(Math.abs(new Date(extended.deadline).getTime() - (Date.now() + 90 * 60_000))).toBeLessThan(60_000);
    expectRefused(await h.cli(['workspace', 'extend', 'alice/dev', '5m']), /at least 30m/);

    const activity = (await h.cli(['workspace', 'activity', 'alice/dev', '--json'])).json();
    expect(activity).toMatchObject({ workspace: 'alice/dev', lastUsedAt: expect.stringMatching(ISO), bumped: expect.any(Boolean) });

    expect((await h.cli(['workspace', 'ttl', 'clear', 'alice/dev', '--json'])).json()).toMatchObject({ ttlMs: null, deadline: null });
  });

  it('dormant and wake', async () => {
    const d = (await h.cli(['workspace', 'dormant', 'alice/dev', '--json'])).json();
    expect(d.dormantAt).toMatch(ISO);
    expect(new Date(d.deletingAt).getTime() - new Date(d.dormantAt).getTime()).toBe(30 * 24 * HOUR);
    expect((await h.cli(['workspace', 'wake', 'alice/dev', '--json'])).json()).toMatchObject({ dormantAt: null, deletingAt: null });
  });

  it('list filters by owner', async () => {
    await h.cli(['workspace', 'create', 'bob/scratch', '--template', 'dev', '--no-wait']);
    const mine = (await h.cli(['workspace', 'list', '--owner', 'alice', '--json'])).json();
    expect(mine.map((w: { owner: string; name: string }) => `${w.owner}/${w.name}`)).toEqual(['alice/dev']);
    const all = (await h.cli(['workspace', 'list', '--json'])).json();
    expect(all.map((w: { owner: string; name: string }) => `${w.owner}/${w.name}`)).toEqual(['alice/dev', 'bob/scratch']);
  });
});

describe('explain, history, tick, reevaluate', () => {
  it('explain --at says what would happen at that minute and when the next events are', async () => {
    await h.cli(['workspace', 'schedule', 'set', 'alice/dev', 'CRON_TZ=Europe/Berlin 0 9 * * mon-fri']);
    const e = (await h.cli(['explain', 'alice/dev', '--at', '2099-01-01T00:00:00Z', '--json'])).json();
    expect(e).toMatchObject({
      at: '2099-01-01T00:00:00.000Z',
      decision: { transition: null, reason: null, markDormant: false, remind: false, explanation: expect.any(String) },
      nextAutostart: { at: expect.stringMatching(ISO), rule: expect.stringMatching(/^autostart/) },
      deadline: null,
      dormantAt: null,
      deletingAt: null,
    });
    for (const k of ['maxDeadline', 'reminderAt']) expect(e).toHaveProperty(k);
    const human = await h.cli(['explain', 'alice/dev']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/would do +nothing/);
    expect(human.stdout).toMatch(/rule: autostart/);
    expectRefused(await h.cli(['explain', 'alice/dev', '--at', '2099-01-01T00:00:00']), /ISO-8601 time with an offset/);
  });

  it('tick --at runs the tick workflow and prints its statistics; a future minute needs --allow-future', async () => {
    await h.cli(['workspace', 'stop', 'alice/dev']);
    const { nextAutostart } = (await h.cli(['explain', 'alice/dev', '--json'])).json();
    // A typo's year deletes and stamps as of then: refused, and nothing ran.
    expectRefused(
      await h.cli(['tick', '--at', '2062-03-02T08:30:00Z']),
      /refusing a tick at 2062-03-02T08:30:00\.000Z: it is after the database clock .* plus one minute.*\(--allow-future\)/,
    );
    const r = await h.cli(['tick', '--at', nextAutostart.at, '--allow-future', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const stats = r.json();
    expect(stats).toMatchObject({
      tick: nextAutostart.at,
      transitions: { 'start/autostart': 1 },
      errors: 0,
      skipped: {},
      elapsedMs: expect.any(Number),
    });
    expect(stats.samples.transitions['start/autostart']).toHaveLength(1);
    expect(stats.workflowId).toMatch(/^tick\/manual\//);
    expectRefused(await h.cli(['tick', '--at', 'tomorrow 9am']), /ISO-8601 time with an offset/);
  });

  it('history lists builds newest first with the workflow that made each; --log prints a job log', async () => {
    const builds = (await h.cli(['history', 'alice/dev', '--json'])).json();
    expect(builds.map((b: { buildNumber: number }) => b.buildNumber)).toEqual([5, 4, 3, 2, 1]);
    expect(builds[0]).toMatchObject({ transition: 'start', reason: 'autostart', workflowId: expect.stringMatching(/^workspace\//) });
    expect(builds[1]).toMatchObject({ transition: 'stop', reason: 'initiator', workflowId: null });
    const table = await h.cli(['history', 'alice/dev']);
    expect(table.stdout.split('\n')[0]).toMatch(/^#\s+TRANSITION\s+REASON\s+INITIATOR\s+JOB\s+CREATED/);
    const log = await h.cli(['history', 'alice/dev', '--log', '1', '--json']);
    expect(log.json()).toMatchObject({ buildNumber: 1, log: expect.any(String) });
    expectRefused(await h.cli(['history', 'alice/dev', '--log', '99']), /no build #99/);
  });

  it('reevaluate prints the decision through the evaluateNow update', async () => {
    const r = await h.cli(['reevaluate', 'alice/dev', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      workspace: 'alice/dev',
      tick: expect.stringMatching(ISO),
      decision: { transition: null },
      build: null,
    });
  });
});

describe('schedule and status', () => {
  const scheduleId = () => `cli-test-${h.taskQueue}`;

  it('schedule status, pause with a note, resume', async () => {
    await ensureTickSchedule(h.temporal.client, h.taskQueue, { scheduleId: scheduleId() });
    try {
      const paused = (await h.cli(['schedule', 'pause', '--note', 'maintenance', '--schedule-id', scheduleId(), '--json'])).json();
      expect(paused).toMatchObject({ scheduleId: scheduleId(), paused: true, note: 'maintenance', taskQueue: h.taskQueue });
      const status = await h.cli(['schedule', 'status', '--schedule-id', scheduleId()]);
      expect(status.stdout).toMatch(/state: +paused/);
      expect((await h.cli(['schedule', 'resume', '--schedule-id', scheduleId(), '--json'])).json().paused).toBe(false);
    } finally {
      await h.temporal.client.schedule.getHandle(scheduleId()).delete();
    }
    expectRefused(await h.cli(['schedule', 'status', '--schedule-id', 'no-such-schedule']), /does not exist yet/, 2);
  });

  it('status reports the database, Temporal, workers and the last ticks', async () => {
    const r = await h.cli(['status', '--json', '--schedule-id', scheduleId()]);
    const s = r.json();
    expect(s).toMatchObject({ database: { ok: true }, temporal: { ok: true, taskQueue: h.taskQueue }, schedule: null });
    expect(s.temporal.workers).toBeGreaterThan(0);
    expect(r.code).toBe(0);
  });
});

describe('unreachable dependencies exit 2', () => {
  it('an error line that quotes the command line stays one line: line breaks and control characters are escaped', async () => {
    expectRefused(await h.cli(['user', 'show', 'a\nb\u001b[31m']), /^autobuild: no user a\\nb\\u001b\[31m$/);
    expectRefused(await h.cli(['a\u000bb']), /^autobuild: unknown command 'a\\u000bb'$/);
    // An option that a command's action checks itself (not commander) is said too: it printed nothing before.
    expectRefused(
      await h.cli(['audit', '--workspace', 'alice/']),
      /^autobuild: a workspace is written <owner>\/<name>, e.g. alice\/dev; got "alice\/"$/,
    );
  });

  it('an unreachable database', async () => {
    const r = await h.cli(['workspace', 'show', 'alice/dev'], { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/nope' });
    expectRefused(r, /cannot connect to the database at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/nope/, 2);
    expect(r.stderr).not.toMatch(/secret/);
  });

  it('no configuration and no runtime file', async () => {
    const r = await h.cli(['user', 'list'], { DATABASE_URL: '', TEMPORAL_ADDRESS: '' });
    expectRefused(r, /no database to connect to: set DATABASE_URL, or run `npm start`/, 2);
  });

  it('no worker on the task queue', async () => {
    const r = await h.cli(['tick', '--worker-timeout', '2s'], { AUTOBUILD_TASK_QUEUE: `nobody-${h.taskQueue}` });
    expectRefused(r, /no worker is polling task queue "nobody-/, 2);
  });
});
