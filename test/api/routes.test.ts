// Every route of the HTTP API (docs/api.md) through the app itself, against the
// real database and dev server: what it answers, each error class, each role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { createPool } from '../../src/db/pool.js';
import { DEFAULT_QUIET_HOURS_SCHEDULE, HOUR, MINUTE } from '../../src/lifecycle/index.js';
import { Ops } from '../../src/ops/index.js';
import { quietLog } from '../builds/harness.js';
import { type ApiHarness, startApiHarness, ws } from './harness.js';

const autostartSchedule = `CRON_TZ=UTC 0 ${(new Date().getUTCHours() + 12) % 24} * * *`;

describe('HTTP API routes', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
    await h.ops.templates.create({ name: 'dev', defaultTtl: '8h', activityBump: '1h' });
    await h.ops.templates.create({ name: 'locked', allowUserAutostart: false, allowUserAutostop: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Creates a workspace through the API and waits for its first build. */
  const create = async (token: string, body: Record<string, unknown>) => {
    const r = await h.call(token, 'POST', '/api/v1/workspaces', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await h.ops.waitForBuild(r.body.jobId, 30_000);
    return r.body;
  };

  describe('workspaces', () => {
    it('a member creates a workspace, sees it with its build, deadline and max deadline, and lists only their own', async () => {
      // Its next autostart is 11–12 hours away whenever the test runs: further than the 8-hour TTL, so the deadline is
      // the build's completion plus the TTL (an autostart before it would move it, docs/rules.md#on-build-completion).
      const created = await create(h.tokens.alice, { template: 'dev', name: 'one', autostartSchedule });
      expect(created).toMatchObject({ workspace: 'alice/one', buildNumber: 1, transition: 'start', warning: null });
      await create(h.tokens.bob, { template: 'dev', name: 'one' });

      const got = await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/one')}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({
        owner: 'alice',
        name: 'one',
        status: 'running',
        autostartSchedule,
        latestBuild: { buildNumber: 1, job: { status: 'succeeded' } },
      });
      expect(Date.parse(got.body.deadline) - Date.parse(got.body.latestBuild.job.completedAt)).toBeCloseTo(8 * HOUR, -4);
      expect(got.body.nextStartAt).not.toBeNull();
      // By id too.
      expect((await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${got.body.id}`)).body.id).toBe(got.body.id);

      const mine = await h.call(h.tokens.alice, 'GET', '/api/v1/workspaces');
      expect(mine.body.items.map((w: { owner: string }) => w.owner)).toEqual(['alice']);
      const all = await h.call(h.tokens.admin, 'GET', '/api/v1/workspaces?status=running');
      expect(all.body.items.map((w: { owner: string; name: string }) => `${w.owner}/${w.name}`)).toEqual(['alice/one', 'bob/one']);
      const none = await h.call(h.tokens.admin, 'GET', '/api/v1/workspaces?status=stopped');
      expect(none.body.items).toEqual([]);
      const dormant = await h.call(h.tokens.owner, 'GET', '/api/v1/workspaces?dormant=true');
      expect(dormant.body).toEqual({ items: [], nextCursor: null });
    });

    it("another member's workspace answers 404, exactly as a missing one; a template admin sees it but may not change it (403)", async () => {
      const bobs = `/api/v1/workspaces/${ws('bob/one')}`;
      const hidden = await h.call(h.tokens.alice, 'GET', bobs);
      const missing = await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('bob/nothing')}`);
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(hidden.body.error.code).toBe('not_found');
      expect((await h.call(h.tokens.alice, 'PUT', `${bobs}/ttl`, { ttlMs: HOUR })).status).toBe(404);
      expect((await h.call(h.tokens.admin, 'GET', bobs)).status).toBe(200);
      const changed = await h.call(h.tokens.admin, 'PUT', `${bobs}/ttl`, { ttlMs: HOUR });
      expect(changed.status).toBe(403);
      expect(changed.body.error.code).toBe('forbidden');
      expect((await h.call(h.tokens.owner, 'PUT', `${bobs}/ttl`, { ttlMs: 2 * HOUR })).body.ttlMs).toBe(2 * HOUR);
      // A member may not create a workspace for someone else.
      expect((await h.call(h.tokens.alice, 'POST', '/api/v1/workspaces', { owner: 'bob', template: 'dev', name: 'x' })).status).toBe(403);
    });

    it('autostart, TTL and dormancy are set and cleared; bad input is 400 naming the field, a policy refusal 422', async () => {
      const base = `/api/v1/workspaces/${ws('alice/one')}`;
      const set = await h.call(h.tokens.alice, 'PUT', `${base}/autostart`, { schedule: 'CRON_TZ=Europe/Berlin 30 8 * * mon-fri' });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({
        autostartSchedule: 'CRON_TZ=Europe/Berlin 30 8 * * mon-fri',
        autostartBlocked: null,
        warning: null,
      });
      const cleared = await h.call(h.tokens.alice, 'PUT', `${base}/autostart`, { schedule: null });
      expect(cleared.body).toMatchObject({ autostartSchedule: null, nextStartAt: null });

      const bad = await h.call(h.tokens.alice, 'PUT', `${base}/autostart`, { schedule: '0 9 * * 7' });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'invalid', field: 'schedule' });
      expect(bad.body.error.message).toMatch(/^invalid autostart schedule: .*day-of-week 7/);

      const ttl = await h.call(h.tokens.alice, 'PUT', `${base}/ttl`, { ttlMs: 2 * HOUR });
      expect(ttl.body.ttlMs).toBe(2 * HOUR);
      const tooLong = await h.call(h.tokens.alice, 'PUT', `${base}/ttl`, { ttlMs: 31 * 24 * HOUR });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.error).toMatchObject({ code: 'invalid', field: 'ttlMs' });

      await create(h.tokens.alice, { template: 'locked', name: 'locked' });
      const refused = await h.call(h.tokens.alice, 'PUT', `/api/v1/workspaces/${ws('alice/locked')}/autostart`, {
        schedule: 'CRON_TZ=UTC 0 9 * * *',
      });
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('refused');

      const dormant = await h.call(h.tokens.alice, 'PUT', `/api/v1/workspaces/${ws('alice/locked')}/dormant`, { dormant: true });
      expect(dormant.status).toBe(200);
      expect(dormant.body.dormantAt).not.toBeNull();
      const again = await h.call(h.tokens.alice, 'PUT', `/api/v1/workspaces/${ws('alice/locked')}/dormant`, { dormant: true });
      expect(again.status).toBe(409);
      const woken = await h.call(h.tokens.alice, 'PUT', `/api/v1/workspaces/${ws('alice/locked')}/dormant`, { dormant: false });
      expect(woken.body).toEqual({ dormantAt: null, deletingAt: null });
    });

    it('extend: a later deadline is set; 409 when not running; 422 past the max deadline or under 30 minutes', async () => {
      await h.ops.templates.create({ name: 'capped', defaultTtl: '1h', autostopRequirementDays: 'all' });
      await create(h.tokens.alice, { template: 'capped', name: 'capped' });
      const base = `/api/v1/workspaces/${ws('alice/capped')}`;
      const w = (await h.call(h.tokens.alice, 'GET', base)).body;
      expect(w.maxDeadline).not.toBeNull();
      const inTwoHours = new Date(Date.now() + 2 * HOUR).toISOString();
      const extended = await h.call(h.tokens.alice, 'PUT', `${base}/extend`, { deadline: inTwoHours });
      if (Date.parse(inTwoHours) <= Date.parse(w.maxDeadline)) {
        expect(extended.status).toBe(200);
        expect(Math.abs(Date.parse(extended.body.deadline) - Date.parse(inTwoHours))).toBeLessThan(MINUTE);
      } else {
        expect(extended.status).toBe(422);
      }
      const past = await h.call(h.tokens.alice, 'PUT', `${base}/extend`, {
        deadline: new Date(Date.parse(w.maxDeadline) + HOUR).toISOString(),
      });
      expect(past.status).toBe(422);
      expect(past.body.error).toMatchObject({ code: 'refused', field: 'deadline' });
      expect(past.body.error.message).toMatch(/max deadline/);
      const soon = await h.call(h.tokens.alice, 'PUT', `${base}/extend`, { deadline: new Date(Date.now() + 5 * MINUTE).toISOString() });
      expect(soon.status).toBe(422);

      const stop = await h.call(h.tokens.alice, 'POST', `${base}/builds`, { transition: 'stop' });
      expect(stop.status).toBe(201);
      await h.ops.waitForBuild(stop.body.jobId, 30_000);
      const stopped = await h.call(h.tokens.alice, 'PUT', `${base}/extend`, { deadline: inTwoHours });
      expect(stopped.status).toBe(409);
      expect(stopped.body.error.code).toBe('conflict');
    });

    it('builds: start, stop and delete by a person; 409 while one is active; history, one build and its log, cancel', async () => {
      await create(h.tokens.bob, { template: 'dev', name: 'builds' });
      const base = `/api/v1/workspaces/${ws('bob/builds')}`;
      const again = await h.call(h.tokens.bob, 'POST', `${base}/builds`, { transition: 'start' });
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(/already running/);
      const stop = await h.call(h.tokens.bob, 'POST', `${base}/builds`, { transition: 'stop' });
      expect(stop.body).toMatchObject({ workspace: 'bob/builds', buildNumber: 2, transition: 'stop' });
      await h.ops.waitForBuild(stop.body.jobId, 30_000);

      const history = await h.call(h.tokens.bob, 'GET', `${base}/builds?limit=1`);
      expect(history.body.items.map((b: { buildNumber: number }) => b.buildNumber)).toEqual([2]);
      const next = await h.call(h.tokens.bob, 'GET', `${base}/builds?limit=1&cursor=${history.body.nextCursor}`);
      expect(next.body).toMatchObject({ items: [{ buildNumber: 1 }], nextCursor: null });
      expect((await h.call(h.tokens.bob, 'GET', `${base}/builds/1`)).body).toMatchObject({ buildNumber: 1, transition: 'start' });
      expect((await h.call(h.tokens.bob, 'GET', `${base}/builds/9`)).status).toBe(404);
      const log = await h.call(h.tokens.bob, 'GET', `${base}/builds/1/log`);
      expect(log.status).toBe(200);
      expect(typeof log.body.log).toBe('string');

      const cancel = await h.call(h.tokens.bob, 'POST', `${base}/cancel`);
      expect(cancel.status).toBe(409);
      const del = await h.call(h.tokens.bob, 'POST', `${base}/builds`, { transition: 'delete' });
      expect(del.status).toBe(201);
      await h.ops.waitForBuild(del.body.jobId, 30_000);
      expect((await h.call(h.tokens.bob, 'GET', base)).body).toMatchObject({ status: 'deleted', deleted: true });
    });

    it('explain answers what `autobuild explain --json` answers; reevaluate asks the engine', async () => {
      const base = `/api/v1/workspaces/${ws('alice/one')}`;
      const e = await h.call(h.tokens.alice, 'GET', `${base}/explain`);
      expect(e.status).toBe(200);
      expect(e.body).toMatchObject({ workspace: 'alice/one', decision: { transition: null }, rules: { deadline: expect.any(String) } });
      const later = await h.call(
        h.tokens.alice,
        'GET',
        `${base}/explain?at=${encodeURIComponent(new Date(Date.now() + 9 * HOUR).toISOString())}`,
      );
      expect(later.body.decision, JSON.stringify(later.body)).toMatchObject({ transition: 'stop', reason: 'autostop' });
      const badAt = await h.call(h.tokens.alice, 'GET', `${base}/explain?at=tomorrow`);
      expect(badAt.status).toBe(400);
      expect(badAt.body.error.field).toBe('at');

      const r = await h.call(h.tokens.alice, 'POST', `${base}/reevaluate`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ outcome: { kind: 'unchanged' }, build: null });
    });
  });

  describe('templates and users', () => {
    it('template admins create and change templates with every option; members read them and get 403 on a change', async () => {
      const t = await h.call(h.tokens.admin, 'POST', '/api/v1/templates', {
        name: 'policy',
        defaultTtlMs: 4 * HOUR,
        autostartAllowedDays: ['monday', 'tuesday'],
        timeTilDormantMs: 24 * HOUR,
      });
      expect(t.status).toBe(201);
      expect(t.body).toMatchObject({ name: 'policy', defaultTtlMs: 4 * HOUR, autostartAllowedDays: ['monday', 'tuesday'] });
      const patched = await h.call(h.tokens.admin, 'PATCH', '/api/v1/templates/policy', { timeTilDormantAutodeleteMs: 7 * 24 * HOUR });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ template: { timeTilDormantAutodeleteMs: 7 * 24 * HOUR }, deletingAtRecomputed: 0 });
      const bad = await h.call(h.tokens.admin, 'PATCH', '/api/v1/templates/policy', { timeTilDormantMs: 1e15 });
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('timeTilDormantMs');

      expect((await h.call(h.tokens.alice, 'GET', '/api/v1/templates/policy')).status).toBe(200);
      expect((await h.call(h.tokens.alice, 'GET', '/api/v1/templates')).body.items.length).toBeGreaterThan(0);
      expect((await h.call(h.tokens.alice, 'PATCH', '/api/v1/templates/policy', { defaultTtlMs: HOUR })).status).toBe(403);
      expect((await h.call(h.tokens.admin, 'GET', '/api/v1/templates/nothing')).status).toBe(404);
      expect((await h.call(h.tokens.admin, 'POST', '/api/v1/templates', { name: 'policy' })).status).toBe(409);

      const v2 = await h.call(h.tokens.admin, 'POST', '/api/v1/templates/policy/versions', { name: 'v2' });
      expect(v2.body).toMatchObject({ name: 'v2', active: false });
      const promoted = await h.call(h.tokens.admin, 'PUT', '/api/v1/templates/policy/active-version', { version: 'v2' });
      expect(promoted.body.activeVersion).toBe('v2');
      const versions = await h.call(h.tokens.alice, 'GET', '/api/v1/templates/policy/versions');
      expect(versions.body).toMatchObject({ items: [{ name: 'v1' }, { name: 'v2', active: true }], nextCursor: null });
      const first = await h.call(h.tokens.alice, 'GET', '/api/v1/templates/policy/versions?limit=1');
      expect(first.body.items.map((v: { name: string }) => v.name)).toEqual(['v1']);
      const second = await h.call(h.tokens.alice, 'GET', `/api/v1/templates/policy/versions?limit=1&cursor=${first.body.nextCursor}`);
      expect(second.body).toMatchObject({ items: [{ name: 'v2' }], nextCursor: null });
    });

    it('users: me, quiet hours of one’s own, and the deployment default; owners create users and set status', async () => {
      const me = await h.call(h.tokens.alice, 'GET', '/api/v1/users/me');
      expect(me.body).toMatchObject({ username: 'alice', quietHoursSchedule: null, effectiveQuietHoursSchedule: 'CRON_TZ=UTC 0 0 * * *' });
      const quiet = await h.call(h.tokens.alice, 'PUT', '/api/v1/users/me/quiet-hours', { schedule: 'CRON_TZ=Europe/Berlin 0 23 * * *' });
      expect(quiet.body).toMatchObject({ quietHoursSchedule: 'CRON_TZ=Europe/Berlin 0 23 * * *' });
      expect((await h.call(h.tokens.alice, 'GET', '/api/v1/users/bob')).status).toBe(404);
      expect((await h.call(h.tokens.alice, 'PUT', '/api/v1/users/bob/quiet-hours', { schedule: null })).status).toBe(404);
      expect((await h.call(h.tokens.admin, 'GET', '/api/v1/users/bob')).status).toBe(200);
      expect((await h.call(h.tokens.admin, 'PUT', '/api/v1/users/bob/quiet-hours', { schedule: null })).status).toBe(403);
      expect((await h.call(h.tokens.alice, 'GET', '/api/v1/users')).status).toBe(403);
      expect((await h.call(h.tokens.admin, 'GET', '/api/v1/users?limit=2')).body.items).toHaveLength(2);

      expect((await h.call(h.tokens.admin, 'POST', '/api/v1/users', { username: 'carl' })).status).toBe(403);
      const carl = await h.call(h.tokens.owner, 'POST', '/api/v1/users', { username: 'carl' });
      expect(carl.status).toBe(201);
      const suspended = await h.call(h.tokens.owner, 'PUT', '/api/v1/users/carl/status', { status: 'suspended' });
      expect(suspended.body.status).toBe('suspended');
      expect((await h.call(h.tokens.owner, 'PUT', '/api/v1/users/carl/status', { status: 'gone' })).status).toBe(400);
    });
  });

  describe('tokens and audit', () => {
    it('a token is shown once, works at once, and stops working when revoked; members manage only their own', async () => {
      const made = await h.call(h.tokens.alice, 'POST', '/api/v1/tokens', { role: 'member', name: 'laptop' });
      expect(made.status).toBe(201);
      expect(made.body.token).toMatch(/^abk_[a-z0-9]{12}_/);
      expect(made.body.record).toMatchObject({ user: 'alice', role: 'member', name: 'laptop' });
      expect((await h.call(made.body.token, 'GET', '/api/v1/users/me')).body.username).toBe('alice');
      const listed = await h.call(h.tokens.alice, 'GET', '/api/v1/tokens');
      expect(JSON.stringify(listed.body)).not.toContain(made.body.token.split('_')[2]);
      expect(listed.body.items.every((t: { user: string }) => t.user === 'alice')).toBe(true);

      expect((await h.call(h.tokens.alice, 'POST', '/api/v1/tokens', { role: 'owner' })).status).toBe(403);
      expect((await h.call(h.tokens.alice, 'POST', '/api/v1/tokens', { user: 'bob', role: 'member' })).status).toBe(403);
      expect((await h.call(h.tokens.bob, 'DELETE', `/api/v1/tokens/${made.body.record.id}`)).status).toBe(404);
      const revoked = await h.call(h.tokens.alice, 'DELETE', `/api/v1/tokens/${made.body.record.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      const after = await h.call(made.body.token, 'GET', '/api/v1/users/me');
      expect(after.status).toBe(401);
      expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('the audit log shows each change with its actor and values before and after; members see their own', async () => {
      const entries = await h.call(h.tokens.admin, 'GET', `/api/v1/audit?workspace=${ws('alice/one')}`);
      expect(entries.status).toBe(200);
      const actions = entries.body.items.map((e: { action: string }) => e.action);
      expect(actions).toContain('workspace.autostart');
      expect(actions).toContain('workspace.create');
      const ttl = entries.body.items.find((e: { action: string }) => e.action === 'workspace.ttl');
      expect(ttl, JSON.stringify(entries.body.items)).toMatchObject({
        actor: 'alice',
        before: { ttlMs: 8 * HOUR },
        after: { ttlMs: 2 * HOUR },
      });

      const own = await h.call(h.tokens.alice, 'GET', '/api/v1/audit');
      expect(own.body.items.length).toBeGreaterThan(0);
      expect(own.body.items.every((e: { actor: string }) => e.actor === 'alice')).toBe(true);
      expect((await h.call(h.tokens.alice, 'GET', `/api/v1/audit?workspace=${ws('bob/one')}`)).status).toBe(404);
      const page = await h.call(h.tokens.owner, 'GET', '/api/v1/audit?limit=2');
      expect(page.body.items).toHaveLength(2);
      const rest = await h.call(h.tokens.owner, 'GET', `/api/v1/audit?limit=500&cursor=${page.body.nextCursor}`);
      expect(rest.body.items[0].id).not.toBe(page.body.items[1].id);
    });
  });

  describe('the request itself', () => {
    it('no token, a bad token and a token in the URL are refused, and nothing else is answered', async () => {
      const none = await h.call(null, 'GET', '/api/v1/workspaces');
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ error: { code: 'unauthenticated', message: expect.stringMatching(/Authorization: Bearer/) } });
      expect((await h.call('abk_000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'GET', '/api/v1/workspaces')).status).toBe(401);
      const inUrl = await h.call(null, 'GET', `/api/v1/workspaces?token=${h.tokens.alice}`);
      expect(inUrl.status).toBe(400);
      expect(inUrl.body.error.message).toMatch(/never in the URL/);
    });

    it('malformed JSON, a wrong type, an unknown field, a missing body, a body that is not JSON, a body over 1 MiB', async () => {
      const base = `/api/v1/workspaces/${ws('alice/one')}/ttl`;
      const malformed = await h.call(h.tokens.alice, 'PUT', base, '{"ttlMs":');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toMatchObject({ code: 'invalid', message: 'malformed JSON in the request body' });
      const wrongType = await h.call(h.tokens.alice, 'PUT', base, { ttlMs: '8h' });
      expect(wrongType.body.error).toMatchObject({ code: 'invalid', field: 'ttlMs' });
      const unknown = await h.call(h.tokens.alice, 'PUT', base, { ttlMs: HOUR, ttl: HOUR });
      expect(unknown.body.error).toMatchObject({ code: 'invalid', field: 'ttl' });
      const missing = await h.call(h.tokens.alice, 'PUT', base);
      expect(missing.status).toBe(400);
      const text = await h.call(h.tokens.alice, 'PUT', base, 'ttlMs=1', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      expect(text.body.error.code).toBe('unsupported_media_type');
      const big = await h.call(h.tokens.alice, 'PUT', base, { ttlMs: HOUR, pad: 'x'.repeat(1024 * 1024) });
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('too_large');
      const route = await h.call(h.tokens.alice, 'GET', '/api/v1/nothing');
      expect(route.status).toBe(404);
      expect(route.body.error.code).toBe('not_found');
    });

    it('a method a path does not have answers 405 with Allow; a NUL character answers 400; a body-taking route without a body 400', async () => {
      const trace = await h.call(null, 'DELETE', '/healthz');
      expect(trace.status).toBe(405);
      expect(trace.headers.get('allow')).toBe('GET, HEAD');
      expect(trace.body.error.code).toBe('method_not_allowed');
      const del = await h.call(h.tokens.alice, 'DELETE', `/api/v1/workspaces/${ws('alice/one')}`);
      expect(del.status).toBe(405);
      expect(del.headers.get('allow')).toBe('GET, HEAD');

      for (const path of ['/api/v1/workspaces/a%00b', '/api/v1/templates/a%00b', '/api/v1/audit?actor=a%00b']) {
        const r = await h.call(h.tokens.owner, 'GET', path);
        expect(r.status, path).toBe(400);
        expect(r.body.error.code).toBe('invalid');
      }
      const inBody = await h.call(h.tokens.owner, 'POST', '/api/v1/tokens', { role: 'reporter', workspace: 'x\u0000' });
      expect(inBody.status).toBe(400);
      expect(inBody.body.error.message).toMatch(/NUL/);

      const noBody = await h.call(h.tokens.admin, 'PATCH', '/api/v1/templates/dev');
      expect(noBody.status).toBe(400);
      expect(noBody.body.error.message).toBe('a JSON request body is required');
      const untyped = await h.call(h.tokens.admin, 'PATCH', '/api/v1/templates/dev', '{}', { 'content-type': '' });
      expect(untyped.status).toBe(415);
    });

    it('an error message that quotes the path stays one line: line breaks and control characters are escaped', async () => {
      const workspace = await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/a\nb\u001b[31m')}`);
      expect(workspace.status).toBe(404);
      expect(workspace.body.error.message).toBe('no workspace alice/a\\nb\\u001b[31m');
      const route = await h.call(h.tokens.alice, 'GET', '/api/v1/x%0Ay%C2%85');
      expect(route.status).toBe(404);
      expect(route.body.error.message).toBe('no route GET /api/v1/x\\ny\\u0085');
    });

    it('a change that waits past the lock timeout answers 409 and changes nothing', async () => {
      const pool = createPool(h.db.url, 2, { lockTimeoutMs: 200 });
      const app = createApp({
        ops: new Ops({ pool, client: h.temporal.client, taskQueue: h.taskQueue }),
        log: quietLog,
        defaultQuietHours: DEFAULT_QUIET_HOURS_SCHEDULE,
        version: 'test',
        ready: async () => {},
      });
      const holder = await h.db.pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(
          `SELECT 1 FROM workspaces w JOIN users u ON u.id = w.owner_id WHERE u.username = 'alice' AND w.name = 'one' FOR UPDATE OF w`,
        );
        const res = await app.request(`/api/v1/workspaces/${ws('alice/one')}/ttl`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${h.tokens.alice}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ttlMs: 3 * HOUR }),
        });
        expect(res.status).toBe(409);
        expect(await res.json()).toEqual({
          error: { code: 'conflict', message: 'another change holds what this request needs; try again' },
        });
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
        await pool.end();
      }
      expect((await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/one')}`)).body.ttlMs).not.toBe(3 * HOUR);
    });

    it('health, readiness and the OpenAPI document need no token', async () => {
      expect((await h.call(null, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
      expect((await h.call(null, 'GET', '/readyz')).body).toEqual({ status: 'ready' });
      const doc = await h.call(null, 'GET', '/openapi.json');
      expect(doc.body.openapi).toBe('3.1.0');
      expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(Object.keys(doc.body.paths)).toContain('/api/v1/workspaces/{workspace}/activity');
    });
  });
});
