// The audit log (docs/operations.md#audit-log): every change made through the
// operations module writes exactly one row, in the change's own transaction,
// with its actor and the values before and after; a refusal writes none.
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/lifecycle/index.js';
import { type AuditEntry, OpsError } from '../../src/ops/index.js';
import { type Harness, startHarness } from '../builds/harness.js';

const CLI_ACTOR = `cli:${userInfo().username}`;

describe('the audit log', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ provisioning: { simulatedDurationMs: 0 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const lastId = async () => Number((await h.db.pool.query('SELECT coalesce(max(id), 0) AS id FROM audit_log')).rows[0].id);

  /** Runs `change` and returns the audit rows it wrote, oldest first. */
  async function rowsOf(change: () => Promise<unknown>): Promise<AuditEntry[]> {
    const from = await lastId();
    await change();
    const page = await h.ops.audit.list({}, { limit: 500 });
    return page.items.filter((e) => Number(e.id) > from).reverse();
  }

  /** Exactly one row, and it is `action`. */
  async function oneRow(action: string, change: () => Promise<unknown>): Promise<AuditEntry> {
    const rows = await rowsOf(change);
    expect(rows.map((r) => r.action)).toEqual([action]);
    return rows[0]!;
  }

  async function refusedWritesNothing(change: () => Promise<unknown>, code: OpsError['code']) {
    const from = await lastId();
    const error = await change().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpsError);
    expect((error as OpsError).code).toBe(code);
    expect(await lastId()).toBe(from);
  }

  it('users: create, status and quiet hours, each one row under the CLI actor, values before and after', async () => {
    const created = await oneRow('user.create', () => h.ops.users.create({ username: 'alice' }));
    const alice = await h.ops.users.get('alice');
    expect(created).toMatchObject({
      actor: CLI_ACTOR,
      actorUserId: null,
      tokenId: null,
      userId: alice.id,
      workspaceId: null,
      templateId: null,
      subject: 'user alice',
      before: null,
      after: { username: 'alice', status: 'active', quietHoursSchedule: null },
    });
    expect(created.id).toMatch(/^\d+$/);
    expect(created.at).toBeInstanceOf(Date);

    const status = await oneRow('user.status', () => h.ops.users.setStatus('alice', 'dormant'));
    expect(status).toMatchObject({ userId: alice.id, before: { status: 'active' }, after: { status: 'dormant' } });
    await oneRow('user.status', () => h.ops.users.setStatus('alice', 'active'));

    const quiet = await oneRow('user.quiet-hours', () => h.ops.users.setQuietHours(alice.id, 'CRON_TZ=Europe/Berlin 0 23 * * *'));
    expect(quiet).toMatchObject({
      before: { quietHoursSchedule: null },
      after: { quietHoursSchedule: 'CRON_TZ=Europe/Berlin 0 23 * * *' },
    });
  });

  it('templates: create, update (the options changed, before and after), version create and promote', async () => {
    const created = await oneRow('template.create', () => h.ops.templates.create({ name: 'dev', defaultTtl: '8h' }));
    const dev = await h.ops.templates.get('dev');
    expect(created).toMatchObject({ templateId: dev.id, subject: 'template dev', before: null });
    expect(created.after).toEqual({ name: 'dev', activeVersion: 'v1', policy: JSON.parse(JSON.stringify(dev.policy)) });

    const updated = await oneRow('template.update', () =>
      h.ops.templates.update('dev', { activityBump: '2h', autostartAllowedDays: 'mon-fri' }),
    );
    expect(updated.before).toEqual({
      policy: {
        activityBumpMs: HOUR,
        autostartAllowedDays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
      },
    });
    expect(updated.after).toEqual({
      policy: { activityBumpMs: 2 * HOUR, autostartAllowedDays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] },
      deletingAtRecomputed: 0,
      autostartRecomputed: 0,
    });

    const v2 = await oneRow('template.version.create', () => h.ops.templates.createVersion('dev', 'v2'));
    expect(v2).toMatchObject({ templateId: dev.id, before: null, after: { version: 'v2', versionId: expect.any(String) } });
    const v3 = await oneRow('template.version.create', () => h.ops.templates.createVersion('dev', 'v3', { activate: true }));
    expect(v3).toMatchObject({ before: { activeVersion: 'v1' }, after: { version: 'v3', activeVersion: 'v3' } });
    const promoted = await oneRow('template.version.promote', () => h.ops.templates.promoteVersion('dev', 'v2'));
    expect(promoted).toMatchObject({ before: { activeVersion: 'v3' }, after: { activeVersion: 'v2' } });
  });

  it('workspaces: create, schedule, TTL, extend, dormancy and builds, each one row about the workspace, its owner and template', async () => {
    const alice = await h.ops.users.get('alice');
    const dev = await h.ops.templates.get('dev');
    let jobId = '';
    const created = await oneRow('workspace.create', async () => {
      jobId = (await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box', ttl: '4h' })).jobId;
    });
    await h.ops.waitForBuild(jobId, 20_000);
    const ws = await h.ops.workspaces.get('alice/box');
    expect(created).toMatchObject({
      workspaceId: ws.id,
      templateId: dev.id,
      userId: alice.id,
      subject: 'alice/box',
      before: null,
      after: {
        owner: 'alice',
        name: 'box',
        template: 'dev',
        autostartSchedule: null,
        ttlMs: 4 * HOUR,
        automaticUpdates: 'never',
        transition: 'start',
        buildNumber: 1,
        jobId,
      },
    });

    const schedule = await oneRow('workspace.autostart', () => h.ops.workspaces.setAutostart('alice/box', 'CRON_TZ=UTC 0 9 * * mon-fri'));
    const afterSchedule = await h.ops.workspaces.get('alice/box');
    expect(schedule.before).toEqual({ autostartSchedule: null, nextStartAt: null, autostartBlocked: null });
    expect(schedule.after).toEqual({
      autostartSchedule: 'CRON_TZ=UTC 0 9 * * mon-fri',
      nextStartAt: afterSchedule.nextStartAt!.toISOString(), // dates as ISO strings
      autostartBlocked: null,
    });

    const deadline = ws.latestBuild.deadline!.toISOString();
    const extended = await oneRow('workspace.extend', () => h.ops.workspaces.extend('alice/box', '2h'));
    const newDeadline = (await h.ops.workspaces.get('alice/box')).latestBuild.deadline!.toISOString();
    expect(extended).toMatchObject({ before: { deadline }, after: { deadline: newDeadline } });

    const ttl = await oneRow('workspace.ttl', () => h.ops.workspaces.setTtl('alice/box', '1h'));
    expect(ttl).toMatchObject({ before: { ttlMs: 4 * HOUR, deadline: newDeadline }, after: { ttlMs: HOUR, deadline: newDeadline } });

    const dormant = await oneRow('workspace.dormant', () => h.ops.workspaces.setDormant('alice/box', true));
    const asDormant = await h.ops.workspaces.get('alice/box');
    expect(dormant).toMatchObject({ before: { dormantAt: null }, after: { dormantAt: asDormant.dormantAt!.toISOString() } });
    // One transaction: the row is stamped with the transaction's now(), the instant the workspace became dormant.
    expect(dormant.at.getTime()).toBe(asDormant.dormantAt!.getTime());
    const woke = await oneRow('workspace.wake', () => h.ops.workspaces.setDormant('alice/box', false));
    expect(woke).toMatchObject({ before: { dormantAt: asDormant.dormantAt!.toISOString() }, after: { dormantAt: null, deletingAt: null } });

    const stop = await oneRow('workspace.build', async () => {
      jobId = (await h.ops.workspaces.stop('alice/box')).jobId;
    });
    expect(stop).toMatchObject({
      workspaceId: ws.id,
      before: { transition: 'start', jobStatus: 'succeeded' },
      after: { transition: 'stop', buildNumber: 2, jobId },
    });
    await h.ops.waitForBuild(jobId, 20_000);

    // Starting a dormant workspace wakes it: still one row, which says so.
    await h.ops.workspaces.setDormant('alice/box', true);
    const start = await oneRow('workspace.build', async () => {
      jobId = (await h.ops.workspaces.start('alice/box')).jobId;
    });
    expect(start.before).toMatchObject({ transition: 'stop', jobStatus: 'succeeded', dormantAt: expect.any(String) });
    expect(start.after).toEqual({ transition: 'start', buildNumber: 3, jobId, dormantAt: null });
    await h.ops.waitForBuild(jobId, 20_000);
  });

  it('a canceled build is one row with the job status before and after', async () => {
    await h.stopWorker(); // the next build stays pending
    try {
      const { jobId } = await h.ops.workspaces.stop('alice/box');
      const cancel = await oneRow('workspace.cancel', () => h.ops.workspaces.cancel('alice/box'));
      expect(cancel).toMatchObject({ before: { jobId, jobStatus: 'pending' }, after: { jobId, jobStatus: 'canceled' } });
    } finally {
      await h.startWorker();
    }
  });

  it('activity reports and the simulated failure switch are not audited', async () => {
    expect(await rowsOf(() => h.ops.activity.reportOne({ workspace: 'alice/box', source: 'test' }))).toEqual([]);
    expect(await rowsOf(() => h.ops.workspaces.setSimulatedFailure('alice/box', ['start']))).toEqual([]);
    expect(await rowsOf(() => h.ops.workspaces.setSimulatedFailure('alice/box', null))).toEqual([]);
  });

  it('a refused change writes no row', async () => {
    await refusedWritesNothing(() => h.ops.users.create({ username: 'alice' }), 'conflict');
    await refusedWritesNothing(() => h.ops.users.setStatus('nobody', 'active'), 'not_found');
    await refusedWritesNothing(() => h.ops.templates.createVersion('dev', 'v2'), 'conflict');
    await refusedWritesNothing(() => h.ops.workspaces.extend('alice/box', '2h'), 'conflict'); // stopped: no deadline to extend
    await refusedWritesNothing(() => h.ops.workspaces.setDormant('alice/box', false), 'conflict');
    await refusedWritesNothing(() => h.ops.workspaces.cancel('alice/box'), 'conflict');
    await refusedWritesNothing(() => h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box' }), 'conflict');
    await refusedWritesNothing(() => h.ops.workspaces.setTtl('alice/box', '1s'), 'invalid');
    await refusedWritesNothing(() => h.ops.tokens.revoke('aaaaaaaaaaaa'), 'not_found');
  });

  it('the row is written in the change’s transaction: when it cannot be written, the change is undone', async () => {
    await h.db.pool.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit refused for this test'; END $$`);
    await h.db.pool.query('CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()');
    try {
      await expect(h.ops.users.setStatus('alice', 'suspended')).rejects.toThrow(/audit refused/);
      await expect(h.ops.workspaces.setAutostart('alice/box', null)).rejects.toThrow(/audit refused/);
      await expect(h.ops.templates.update('dev', { defaultTtl: '1h' })).rejects.toThrow(/audit refused/);
    } finally {
      await h.db.pool.query('DROP TRIGGER refuse_audit ON audit_log; DROP FUNCTION refuse_audit()');
    }
    expect((await h.ops.users.get('alice')).status).toBe('active');
    expect((await h.ops.workspaces.get('alice/box')).autostartSchedule).toBe('CRON_TZ=UTC 0 9 * * mon-fri');
    expect((await h.ops.templates.get('dev')).policy.defaultTtlMs).toBe(8 * HOUR);
  });

  it('ops.as(actor) audits under that actor, and a build it starts is initiated by that user', async () => {
    const bob = await h.ops.users.create({ username: 'bob' });
    const asBob = h.ops.as({ userId: bob.id, name: 'bob', tokenId: 'abcdefghijkl' });
    let jobId = '';
    const row = await oneRow('workspace.build', async () => {
      jobId = (await asBob.workspaces.start('alice/box')).jobId;
    });
    expect(row).toMatchObject({ actor: 'bob', actorUserId: bob.id, tokenId: 'abcdefghijkl' });
    expect((await h.ops.waitForBuild(jobId, 20_000)).initiator).toBe('bob');
    // The original Ops keeps its own actor.
    expect((await oneRow('user.status', () => h.ops.users.setStatus('bob', 'active'))).actor).toBe(CLI_ACTOR);
    expect(() => h.ops.as({ userId: null, name: '', tokenId: null })).toThrow(OpsError);
  });

  it('filters by workspace (owner/name or id, deleted too), actor and time; newest first; pages resume where they ended', async () => {
    const all = (await h.ops.audit.list()).items;
    expect(all.map((e) => Number(e.id))).toEqual([...all.map((e) => Number(e.id))].sort((a, b) => b - a));

    const box = await h.ops.workspaces.get('alice/box');
    const byName = (await h.ops.audit.list({ workspace: 'alice/box' })).items;
    expect(byName.length).toBeGreaterThan(5);
    expect(byName.every((e) => e.workspaceId === box.id)).toBe(true);
    expect((await h.ops.audit.list({ workspace: box.id })).items).toEqual(byName);
    expect(byName.at(-1)!.action).toBe('workspace.create');

    const { jobId } = await h.ops.workspaces.delete('alice/box');
    await h.ops.waitForBuild(jobId, 20_000);
    expect((await h.ops.workspaces.get(box.id)).deleted).toBe(true);
    const afterDelete = (await h.ops.audit.list({ workspace: 'alice/box' })).items;
    expect(afterDelete.length).toBe(byName.length + 1);
    expect(afterDelete[0]).toMatchObject({ action: 'workspace.build', after: { transition: 'delete' } });
    await expect(h.ops.audit.list({ workspace: 'alice/nothing' })).rejects.toMatchObject({ code: 'not_found' });

    const byBob = (await h.ops.audit.list({ actor: 'bob' })).items;
    expect(byBob.map((e) => e.action)).toEqual(['workspace.build']);
    expect((await h.ops.audit.list({ actor: 'nobody' })).items).toEqual([]);

    // `since` compares with the transaction time of each row: move the oldest rows back an hour.
    await h.db.pool.query(`UPDATE audit_log SET at = at - interval '1 hour' WHERE id IN (SELECT id FROM audit_log ORDER BY id LIMIT 3)`);
    const since = new Date(Date.now() - 10 * 60_000);
    const recent = (await h.ops.audit.list({ since })).items;
    expect(recent.length).toBe((await h.ops.audit.list()).items.length - 3);
    expect(recent.every((e) => e.at >= since)).toBe(true);

    const pages: AuditEntry[][] = [];
    let cursor: string | null = null;
    do {
      const page = await h.ops.audit.list({}, { limit: 4, cursor });
      expect(page.items.length).toBeLessThanOrEqual(4);
      pages.push(page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pages.flat()).toEqual((await h.ops.audit.list()).items);
    expect(pages.length).toBeGreaterThan(3);

    await expect(h.ops.audit.list({}, { limit: 501 })).rejects.toMatchObject({ code: 'invalid' });
    await expect(h.ops.audit.list({}, { cursor: 'bm90IGEgY3Vyc29y' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(h.ops.audit.list({}, { cursor: Buffer.from('["x"]').toString('base64url') })).rejects.toMatchObject({ code: 'invalid' });
  });
});
