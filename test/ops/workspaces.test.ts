// The operations module's effects on a workspace (docs/rules.md#the-next_start_at-cache, docs/rules.md#activity-bump, docs/rules.md#other-changes),
// against the real database with real builds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE, nextAllowedAutostart, parseWeeklySchedule } from '../../src/lifecycle/index.js';
import { dumpTables, type Harness, seed, startHarness } from '../builds/harness.js';

const dbNow = async (h: Harness) => (await h.db.pool.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;

describe('workspace operations', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ provisioning: { simulatedDurationMs: 0 } });
    await seed(h, { name: 'dev', timeTilDormantAutodelete: '7d', activityBump: '2h' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const make = async (name: string, extra: { ttl?: string; autostartSchedule?: string; template?: string } = {}) => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: extra.template ?? 'dev', name, ...extra });
    await h.ops.waitForBuild(created.jobId, 20_000);
    return created;
  };

  it('setting a schedule stores next_start_at = the next allowed occurrence after now; clearing it clears both', async () => {
    await make('sched');
    const before = await dbNow(h);
    const set = await h.ops.workspaces.setAutostart('alice/sched', 'CRON_TZ=Europe/Berlin 30 8 * * mon-fri');
    const after = await dbNow(h);
    const schedule = parseWeeklySchedule('CRON_TZ=Europe/Berlin 30 8 * * mon-fri');
    expect(set.warning).toBeNull();
    expect(set.autostartBlocked).toBeNull();
    expect([
      nextAllowedAutostart(schedule, before, ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']).getTime(),
      nextAllowedAutostart(schedule, after, ['monday', 'tuesday', 'wednesday', 'thursday', 'friday']).getTime(),
    ]).toContain(set.nextStartAt!.getTime());
    const ws = await h.ops.workspaces.get('alice/sched');
    expect(ws).toMatchObject({
      autostartSchedule: 'CRON_TZ=Europe/Berlin 30 8 * * mon-fri',
      nextStartAt: set.nextStartAt,
      autostartBlocked: null,
    });

    const cleared = await h.ops.workspaces.setAutostart('alice/sched', null);
    expect(cleared).toEqual({ autostartSchedule: null, nextStartAt: null, autostartBlocked: null, warning: null });
    expect(await h.ops.workspaces.get('alice/sched')).toMatchObject({ autostartSchedule: null, nextStartAt: null, autostartBlocked: null });
  });

  it('a schedule is stored in its normal form: trimmed, fields separated by single spaces, on one line', async () => {
    await make('spaced');
    const set = await h.ops.workspaces.setAutostart('alice/spaced', '  CRON_TZ=Europe/Berlin \t30  8 * *\nmon-fri ');
    expect(set.autostartSchedule).toBe('CRON_TZ=Europe/Berlin 30 8 * * mon-fri');
    expect((await h.ops.workspaces.get('alice/spaced')).autostartSchedule).toBe('CRON_TZ=Europe/Berlin 30 8 * * mon-fri');
  });

  it("creating a workspace waits for a suspension of its owner being committed, and sees it (the owner's row is read under a share lock)", async () => {
    await h.ops.users.create({ username: 'fay' });
    const suspender = await h.db.pool.connect();
    try {
      await suspender.query('BEGIN');
      await suspender.query(`UPDATE users SET status = 'suspended' WHERE username = 'fay'`);
      let settled = false;
      const creating = h.ops.workspaces.create({ owner: 'fay', template: 'dev', name: 'late' }).finally(() => {
        settled = true;
      });
      creating.catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false); // waiting for the suspension's transaction
      await suspender.query('COMMIT');
      await expect(creating).rejects.toThrow('user fay is suspended');
    } finally {
      suspender.release();
    }
    expect((await h.ops.workspaces.list({ owner: 'fay' })).items).toEqual([]);
  });

  it('a schedule that never fires on an allowed day is accepted with a warning and recorded as blocked; allowing the day unblocks it', async () => {
    await h.ops.templates.create({ name: 'weekdays', autostartAllowedDays: 'mon-fri' });
    await make('weekend', { template: 'weekdays' });
    const set = await h.ops.workspaces.setAutostart('alice/weekend', '0 9 * * sat,sun');
    expect(set.nextStartAt).toBeNull();
    expect(set.autostartBlocked).toBe('the schedule "0 9 * * sat,sun" has no occurrence on an allowed day (mon-fri)');
    expect(set.warning).toBe('autostart will never fire: the schedule "0 9 * * sat,sun" has no occurrence on an allowed day (mon-fri)');

    const update = await h.ops.templates.update('weekdays', { autostartAllowedDays: 'all' });
    expect(update.autostartRecomputed).toBe(1);
    let ws = await h.ops.workspaces.get('alice/weekend');
    expect(ws.autostartBlocked).toBeNull();
    expect([0, 6]).toContain(ws.nextStartAt!.getUTCDay());

    // Disallowing autostart blocks it; allowing it again recomputes it.
    await h.ops.templates.update('weekdays', { allowUserAutostart: false });
    ws = await h.ops.workspaces.get('alice/weekend');
    expect(ws).toMatchObject({ nextStartAt: null, autostartBlocked: 'the template disallows autostart' });
    await h.ops.templates.update('weekdays', { allowUserAutostart: true });
    ws = await h.ops.workspaces.get('alice/weekend');
    expect(ws.autostartBlocked).toBeNull();
    expect(ws.nextStartAt).not.toBeNull();
  });

  it('a completed build recomputes next_start_at from its completion time', async () => {
    await h.ops.workspaces.setAutostart('alice/sched', '*/5 * * * *');
    const stop = await h.ops.workspaces.stop('alice/sched');
    const build = await h.ops.waitForBuild(stop.jobId, 20_000);
    const ws = await h.ops.workspaces.get('alice/sched');
    const expected = nextAllowedAutostart(parseWeeklySchedule('*/5 * * * *'), build.job.completedAt!, [
      'monday',
      'tuesday',
      'wednesday',
      'thursday',
      'friday',
      'saturday',
      'sunday',
    ]);
    expect(ws.nextStartAt).toEqual(expected);
    expect(ws.upcoming?.nextAutostart?.at).toEqual(expected);
  });

  it('a new TTL applies from the next build; removing it sets the running deadline to the max deadline (none here)', async () => {
    const created = await make('ttl', { ttl: '1h' });
    const first = await h.ops.waitForBuild(created.jobId, 1000);
    const set = await h.ops.workspaces.setTtl('alice/ttl', '3h');
    expect(set).toEqual({ ttlMs: 3 * HOUR, deadline: first.deadline });
    expect((await h.ops.workspaces.get('alice/ttl')).latestBuild.deadline).toEqual(first.deadline);

    await h.ops.waitForBuild((await h.ops.workspaces.stop('alice/ttl')).jobId, 20_000);
    const next = await h.ops.waitForBuild((await h.ops.workspaces.start('alice/ttl')).jobId, 20_000);
    expect(next.deadline!.getTime() - next.job.completedAt!.getTime()).toBe(3 * HOUR);

    const removed = await h.ops.workspaces.setTtl('alice/ttl', null);
    expect(removed).toEqual({ ttlMs: null, deadline: null });
    expect((await h.ops.workspaces.get('alice/ttl')).latestBuild.deadline).toBeNull();
  });

  it('removing the TTL under an autostop requirement leaves the max deadline as the deadline', async () => {
    await h.ops.templates.create({ name: 'required', autostopRequirementDays: 'all' });
    const created = await make('req', { template: 'required', ttl: '1h' });
    const build = await h.ops.waitForBuild(created.jobId, 1000);
    expect(build.maxDeadline).not.toBeNull();
    const removed = await h.ops.workspaces.setTtl('alice/req', null);
    expect(removed.deadline).toEqual(build.maxDeadline);
  });

  it('extend sets the deadline to now + the duration', async () => {
    await make('ext', { ttl: '1h' });
    const before = await dbNow(h);
    const { deadline } = await h.ops.workspaces.extend('alice/ext', '4h');
    const after = await dbNow(h);
    expect(deadline.getTime()).toBeGreaterThanOrEqual(before.getTime() + 4 * HOUR);
    expect(deadline.getTime()).toBeLessThanOrEqual(after.getTime() + 4 * HOUR);
    expect((await h.ops.workspaces.get('alice/ext')).latestBuild.deadline).toEqual(deadline);
    // 30 minutes exactly is accepted (with a minute of slack).
    await h.ops.workspaces.extend('alice/ext', '29m30s');
  });

  it('activity bumps the deadline to now + activity bump once 5 % of it has passed, and refreshes last_used_at', async () => {
    const created = await make('act', { ttl: '1h' });
    const build = await h.ops.waitForBuild(created.jobId, 1000);
    const result = await h.ops.activity.reportOne({ workspace: 'alice/act', source: 'test' });
    expect(result).toMatchObject({ bumped: true, coalesced: false });
    expect(result.deadline!.getTime()).toBe(result.lastUsedAt.getTime() + 2 * HOUR);
    expect(result.deadline!.getTime()).toBeGreaterThan(build.deadline!.getTime());
    // Just bumped and just used: no bump is due and last use is under a minute old, so nothing is written.
    const again = await h.ops.activity.reportOne({ workspace: 'alice/act', source: 'test' });
    expect(again).toMatchObject({ bumped: false, coalesced: true, deadline: result.deadline, lastUsedAt: result.lastUsedAt });
    expect((await h.ops.workspaces.get('alice/act')).lastUsedAt).toEqual(result.lastUsedAt);
  });

  it('dormancy: set by a person notifies the owner and clears autostart; cleared, last_used_at is now and autostart returns', async () => {
    await make('nap', { autostartSchedule: '0 9 * * *' });
    const lastUsed = (await h.ops.workspaces.get('alice/nap')).lastUsedAt;
    const set = await h.ops.workspaces.setDormant('alice/nap', true);
    expect(set.deletingAt!.getTime() - set.dormantAt!.getTime()).toBe(7 * 24 * HOUR);
    let ws = await h.ops.workspaces.get('alice/nap');
    expect(ws).toMatchObject({ dormantAt: set.dormantAt, deletingAt: set.deletingAt, nextStartAt: null, lastUsedAt: lastUsed });
    const { rows } = await h.db.pool.query(`SELECT kind, payload FROM notifications WHERE workspace_id = $1`, [ws.id]);
    expect(rows).toEqual([
      { kind: 'workspace_dormant', payload: expect.objectContaining({ workspaceName: 'nap', deletingAt: set.deletingAt!.toISOString() }) },
    ]);

    await h.ops.workspaces.setDormant('alice/nap', false);
    ws = await h.ops.workspaces.get('alice/nap');
    expect(ws).toMatchObject({ dormantAt: null, deletingAt: null });
    expect(ws.lastUsedAt.getTime()).toBeGreaterThan(lastUsed.getTime());
    expect(ws.nextStartAt).not.toBeNull();
  });

  it('starting a dormant workspace by hand clears dormancy first', async () => {
    await h.ops.waitForBuild((await h.ops.workspaces.stop('alice/nap')).jobId, 20_000);
    await h.ops.workspaces.setDormant('alice/nap', true);
    const start = await h.ops.workspaces.start('alice/nap');
    expect((await h.ops.workspaces.get('alice/nap')).dormantAt).toBeNull();
    await h.ops.waitForBuild(start.jobId, 20_000);
  });

  it('changing the template’s autodelete moves every dormant workspace’s deletion date', async () => {
    await h.ops.workspaces.setDormant('alice/nap', true);
    const ws = await h.ops.workspaces.get('alice/nap');
    const update = await h.ops.templates.update('dev', { timeTilDormantAutodelete: '1d' });
    expect(update.deletingAtRecomputed).toBe(1);
    expect((await h.ops.workspaces.get('alice/nap')).deletingAt!.getTime()).toBe(ws.dormantAt!.getTime() + 24 * HOUR);
    await h.ops.templates.update('dev', { timeTilDormantAutodelete: 0 });
    expect((await h.ops.workspaces.get('alice/nap')).deletingAt).toBeNull();
    // A template update that changes nothing relevant leaves workspaces alone.
    const before = (await dumpTables(h)).workspaces;
    await h.ops.templates.update('dev', { failureTtl: '10m' });
    expect((await dumpTables(h)).workspaces).toEqual(before);
  });

  it('the workspace view shows the latest build, its job, and what happens next', async () => {
    const ws = await h.ops.workspaces.get('alice/ext');
    expect(ws.status).toBe('running');
    expect(ws.latestBuild).toMatchObject({
      buildNumber: 1,
      transition: 'start',
      reason: 'initiator',
      initiator: 'alice',
      templateVersion: 'v1',
    });
    expect(ws.latestBuild.job.status).toBe('succeeded');
    expect(ws.upcoming?.decision.transition).toBeNull();
    expect(ws.upcoming?.deadline?.at).toEqual(ws.latestBuild.deadline);
    expect(ws.at.getTime()).toBeGreaterThan(ws.latestBuild.createdAt.getTime() - MINUTE);
    const list = (await h.ops.workspaces.list({ owner: 'alice', template: 'dev' })).items;
    expect(list.map((w) => w.name)).toContain('ext');
    expect(list.find((w) => w.name === 'ext')).toMatchObject({
      owner: 'alice',
      template: 'dev',
      status: 'running',
      deadline: ws.latestBuild.deadline,
    });
  });
});
