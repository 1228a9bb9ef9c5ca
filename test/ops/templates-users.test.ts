// Users and templates through the operations module (docs/rules.md#entities, docs/rules.md#applying-a-decision-the-build-transaction version choice).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../../src/lifecycle/index.js';
import { type Harness, startHarness } from '../builds/harness.js';

describe('users and templates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ provisioning: { simulatedDurationMs: 0 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a user is created active with the deployment-default quiet hours; status and quiet hours can be set and cleared', async () => {
    const u = await h.ops.users.create({ username: 'carol' });
    expect(u).toMatchObject({ username: 'carol', status: 'active', quietHoursSchedule: null });
    expect((await h.ops.users.setStatus('carol', 'suspended')).status).toBe('suspended');
    expect((await h.ops.users.setQuietHours(u.id, 'CRON_TZ=Asia/Tokyo 30 22 * * *')).quietHoursSchedule).toBe(
      'CRON_TZ=Asia/Tokyo 30 22 * * *',
    );
    expect((await h.ops.users.setQuietHours('carol', null)).quietHoursSchedule).toBeNull();
    expect((await h.ops.users.list()).items.map((x) => x.username)).toEqual(['carol']);
  });

  it('lists come a page at a time, in order, each page resuming after the last', async () => {
    for (const name of ['p5', 'p1', 'p4', 'p3', 'p2', 'p6', 'p0']) await h.ops.templates.create({ name });
    const seen: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = await h.ops.templates.list({ limit: 3, cursor });
      seen.push(page.items.map((t) => t.name).filter((n) => n.startsWith('p')));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen.flat()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect((await h.ops.templates.list({ limit: 500 })).nextCursor).toBeNull();
  });

  it('an id is found as the id even when a name has the shape of another id (a database from before names were checked)', async () => {
    const real = await h.ops.users.create({ username: 'dana' });
    const shadow = await h.ops.users.create({ username: 'erin' });
    await h.db.pool.query('UPDATE users SET username = $1 WHERE id = $2', [real.id, shadow.id]);
    expect((await h.ops.users.get(real.id)).id).toBe(real.id);
  });

  it('a template is created with every option at its documented default and an active version v1', async () => {
    const t = await h.ops.templates.create({ name: 'base' });
    expect(t.activeVersion.name).toBe('v1');
    expect(t.policy).toEqual({
      defaultTtlMs: 0,
      activityBumpMs: HOUR,
      allowUserAutostart: true,
      allowUserAutostop: true,
      autostartAllowedDays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
      failureTtlMs: 0,
      timeTilDormantMs: 0,
      timeTilDormantAutodeleteMs: 0,
      autostopNotifyBeforeMs: 0,
      requireActiveVersion: false,
      autostopRequirementDays: [],
      autostopRequirementWeeks: 1,
      autodeleteNotifyBeforeMs: 0,
      catchup: 'all',
      catchupWindowMs: 0,
    });
  });

  it('every option can be updated, durations as text or milliseconds, days as text or lists', async () => {
    const { template } = await h.ops.templates.update('base', {
      defaultTtl: '8h',
      activityBump: 30 * 60_000,
      allowUserAutostart: false,
      allowUserAutostop: false,
      autostartAllowedDays: 'mon-fri',
      failureTtl: '1h',
      timeTilDormant: '7d',
      timeTilDormantAutodelete: '30d',
      autostopRequirementDays: ['sat', 'sunday'],
      autostopRequirementWeeks: 2,
      autostopNotifyBefore: '30m',
      requireActiveVersion: true,
      catchup: 'latest',
      catchupWindow: '2h',
      autodeleteNotifyBefore: '3d',
    });
    expect(template.policy).toEqual({
      defaultTtlMs: 8 * HOUR,
      activityBumpMs: HOUR / 2,
      allowUserAutostart: false,
      allowUserAutostop: false,
      autostartAllowedDays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      failureTtlMs: HOUR,
      timeTilDormantMs: 7 * 24 * HOUR,
      timeTilDormantAutodeleteMs: 30 * 24 * HOUR,
      autostopNotifyBeforeMs: HOUR / 2,
      requireActiveVersion: true,
      autostopRequirementDays: ['saturday', 'sunday'],
      autostopRequirementWeeks: 2,
      autodeleteNotifyBeforeMs: 3 * DAY,
      catchup: 'latest',
      catchupWindowMs: 2 * HOUR,
    });
    expect(template.updatedAt.getTime()).toBeGreaterThanOrEqual(template.createdAt.getTime());
  });

  it('catch-up latest needs a window: refused in one line on create and on update, changing nothing', async () => {
    const refusal = /^invalid catch-up window: catch-up latest needs a window greater than 0 \(e\.g\. 2h\)$/;
    await expect(h.ops.templates.create({ name: 'catchup', catchup: 'latest' })).rejects.toThrow(refusal);
    await expect(h.ops.templates.get('catchup')).rejects.toThrow(/no template catchup/);
    await h.ops.templates.create({ name: 'catchup', catchup: 'none' });
    await expect(h.ops.templates.update('catchup', { catchup: 'latest' })).rejects.toThrow(refusal);
    await expect(h.ops.templates.update('catchup', { catchup: 'latest', catchupWindow: 0 })).rejects.toThrow(refusal);
    await expect(h.ops.templates.update('catchup', { catchup: 'sometimes' })).rejects.toThrow(
      'invalid catch-up "sometimes": use one of all, latest, none',
    );
    expect((await h.ops.templates.get('catchup')).policy).toMatchObject({ catchup: 'none', catchupWindowMs: 0 });
    // A window set first, then latest, in two updates.
    await h.ops.templates.update('catchup', { catchupWindow: '30m' });
    const { template } = await h.ops.templates.update('catchup', { catchup: 'latest' });
    expect(template.policy).toMatchObject({ catchup: 'latest', catchupWindowMs: 30 * 60_000 });
  });

  it('a new version is built only once promoted; a person’s rebuild keeps the workspace’s version', async () => {
    await h.ops.users.create({ username: 'dan' });
    await h.ops.templates.create({ name: 'app' });
    const old = await h.ops.workspaces.create({ owner: 'dan', template: 'app', name: 'w' });
    await h.ops.waitForBuild(old.jobId, 20_000);

    const v2 = await h.ops.templates.createVersion('app', 'v2');
    expect(v2).toMatchObject({ name: 'v2', active: false });
    expect((await h.ops.templates.get('app')).activeVersion.name).toBe('v1');
    const promoted = await h.ops.templates.promoteVersion('app', 'v2');
    expect(promoted.activeVersion).toEqual({ id: v2.id, name: 'v2' });
    expect((await h.ops.templates.versions('app')).map((v) => `${v.name}:${v.active}`)).toEqual(['v1:false', 'v2:true']);
    const v3 = await h.ops.templates.createVersion('app', 'v3', { activate: true });
    expect((await h.ops.templates.get('app')).activeVersion.id).toBe(v3.id);

    const fresh = await h.ops.workspaces.create({ owner: 'dan', template: 'app', name: 'fresh' });
    expect((await h.ops.waitForBuild(fresh.jobId, 20_000)).templateVersion).toBe('v3');
    const stop = await h.ops.workspaces.stop('dan/w');
    expect((await h.ops.waitForBuild(stop.jobId, 20_000)).templateVersion).toBe('v1');
  });
});
