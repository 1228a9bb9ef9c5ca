// docs/rules.md#reminder-actions and docs/rules.md#autodelete-warning end to end: a manual tick on
// the dev server writes the notification with its single-use links; the links and the bearer routes
// act through the operations module, over the real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseNow } from '../../src/db/sql/complete-build.js';
import { hashActionToken } from '../../src/notifications/action-links.js';
import { startManualTick } from '../../src/runtime/tick-client.js';
import { createTemplate, createWorkspace, D, H, MIN, plus, type Template } from '../orchestration/fixtures.js';
import { type ApiHarness, startApiHarness, ws } from './harness.js';

const LINK = /^http:\/\/127\.0\.0\.1:7080\/actions\/[A-Za-z0-9_-]{43}$/;
const JSON_ONLY = { accept: 'application/json' };

describe('reminder actions and the autodelete warning', () => {
  let h: ApiHarness;
  let alice: string;
  let now: Date;
  let remind: Template;

  beforeAll(async () => {
    h = await startApiHarness();
    alice = (await h.db.pool.query(`SELECT id FROM users WHERE username = 'alice'`)).rows[0].id;
    now = await databaseNow(h.db.pool);
    remind = await createTemplate(h.db.pool, { autostopNotifyBeforeMs: 30 * MIN, activityBumpMs: 0 });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const tick = async () => (await startManualTick(h.temporal.client, h.taskQueue, await databaseNow(h.db.pool))).result();

  /** A running workspace of alice's whose deadline is 20 min away (within the 30 min reminder window). */
  const running = (template: Template, maxDeadline: Date | null = null) =>
    createWorkspace(h.db.pool, {
      ownerId: alice,
      template,
      lastUsedAt: plus(now, -H),
      build: { transition: 'start', createdAt: plus(now, -2 * H), deadline: plus(now, 20 * MIN), maxDeadline },
    });
  const nameOf = async (id: string) => `alice/${(await h.db.pool.query('SELECT name FROM workspaces WHERE id = $1', [id])).rows[0].name}`;
  const deadlineOf = async (id: string): Promise<Date> =>
    (await h.db.pool.query('SELECT latest_deadline FROM workspaces WHERE id = $1', [id])).rows[0].latest_deadline;
  const notifications = async (id: string, kind: string) =>
    (await h.db.pool.query('SELECT payload FROM notifications WHERE workspace_id = $1 AND kind = $2', [id, kind])).rows.map(
      (r) => r.payload,
    );
  const linkRow = async (link: string) =>
    (
      await h.db.pool.query('SELECT used_at, expires_at FROM reminder_actions WHERE token_hash = $1', [
        hashActionToken(pathOf(link).slice(9)),
      ])
    ).rows[0];
  const pathOf = (link: string) => new URL(link).pathname;

  it('a tick within the reminder window sends the reminder with two single-use links, once; a second tick adds none', async () => {
    const id = await running(remind);
    await tick();
    await tick();
    const sent = await notifications(id, 'autostop_reminder');
    expect(sent).toHaveLength(1);
    expect(sent[0].actions.keepRunning).toMatch(LINK);
    expect(sent[0].actions.skipStop).toMatch(LINK);
    expect(sent[0].actions.keepRunning).not.toBe(sent[0].actions.skipStop);
    const links = await h.db.pool.query('SELECT action, expires_at FROM reminder_actions WHERE workspace_id = $1 ORDER BY action', [id]);
    expect(links.rows.map((r) => r.action)).toEqual(['extend', 'skip-stop']);
    for (const r of links.rows) expect(r.expires_at).toEqual(await deadlineOf(id));
  }, 60_000);

  it('GET shows a confirmation page and changes nothing; POST extends by 1 h once; a second POST is 410 and changes nothing', async () => {
    const id = await running(remind);
    await tick();
    const link: string = (await notifications(id, 'autostop_reminder'))[0].actions.keepRunning;
    const before = await deadlineOf(id);

    const page = await h.call(null, 'GET', pathOf(link));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).toContain(await nameOf(id));
    expect(page.body).toContain(`Deadline now</dt><dd>${before.toISOString()}`);
    expect(page.body).toContain('<form method="post">');
    expect(await deadlineOf(id)).toEqual(before);
    expect((await linkRow(link)).used_at).toBeNull();

    const used = await h.call(null, 'POST', pathOf(link), undefined, JSON_ONLY);
    expect(used.status, JSON.stringify(used.body)).toBe(200);
    const after = new Date(before.getTime() + H);
    expect(used.body).toMatchObject({ action: 'extend', workspace: await nameOf(id), deadline: after.toISOString() });
    expect(await deadlineOf(id)).toEqual(after);
    expect((await linkRow(link)).used_at).not.toBeNull();
    const audit = await h.db.pool.query(
      `SELECT actor, actor_user_id, after FROM audit_log WHERE workspace_id = $1 AND action = 'workspace.extend'`,
      [id],
    );
    expect(audit.rows).toEqual([
      { actor: 'link:extend', actor_user_id: alice, after: { deadline: after.toISOString(), via: 'keep-running' } },
    ]);

    const again = await h.call(null, 'POST', pathOf(link), undefined, JSON_ONLY);
    expect(again.status).toBe(410);
    expect(again.body.error).toMatchObject({ code: 'gone', message: expect.stringMatching(/^this link was already used at /) });
    const browser = await h.call(null, 'POST', pathOf(link));
    expect(browser.status).toBe(410);
    expect(browser.body).toContain('Nothing was changed');
    expect(await deadlineOf(id)).toEqual(after);
  }, 60_000);

  it('an expired link is 410 and changes nothing; an unknown one is 404; a token never goes in a query string', async () => {
    const id = await running(remind);
    await tick();
    const link: string = (await notifications(id, 'autostop_reminder'))[0].actions.skipStop;
    await h.db.pool.query(`UPDATE reminder_actions SET expires_at = autobuild_now() - interval '1 minute' WHERE token_hash = $1`, [
      hashActionToken(pathOf(link).slice(9)),
    ]);
    const before = await deadlineOf(id);
    const expired = await h.call(null, 'POST', pathOf(link), undefined, JSON_ONLY);
    expect(expired.status).toBe(410);
    expect(expired.body.error.message).toMatch(/^this link expired at \d{4}-/);
    expect((await h.call(null, 'GET', pathOf(link))).status).toBe(410);
    expect(await deadlineOf(id)).toEqual(before);
    expect((await linkRow(link)).used_at).toBeNull();

    expect((await h.call(null, 'POST', `/actions/${'A'.repeat(43)}`, undefined, JSON_ONLY)).status).toBe(404);
    expect((await h.call(null, 'GET', '/actions/nonsense')).status).toBe(404);
    // The links live only at /actions/<token>: there is no route that reads a token from the query.
    expect((await h.call(null, 'GET', `/actions?token=${pathOf(link).slice(9)}`)).status).toBe(404);
  }, 60_000);

  it('skip-stop moves the deadline 24 h capped at the max deadline; then there is no room and it is refused (422)', async () => {
    const max = plus(now, 3 * H);
    const id = await running(remind, max);
    await tick();
    const link: string = (await notifications(id, 'autostop_reminder'))[0].actions.skipStop;
    const used = await h.call(null, 'POST', pathOf(link), undefined, JSON_ONLY);
    expect(used.status, JSON.stringify(used.body)).toBe(200);
    expect(used.body.deadline).toBe(max.toISOString());
    expect(await deadlineOf(id)).toEqual(max);

    const again = await h.call(h.tokens.alice, 'POST', `/api/v1/workspaces/${ws(await nameOf(id))}/skip-stop`);
    expect(again.status).toBe(422);
    expect(again.body.error.message).toMatch(/already its max deadline/);
    expect(await deadlineOf(id)).toEqual(max);
  }, 60_000);

  it('a template that forbids user autostop refuses the link (422) and leaves it unused', async () => {
    const locked = await createTemplate(h.db.pool, { autostopNotifyBeforeMs: 30 * MIN, activityBumpMs: 0, allowUserAutostop: false });
    const id = await running(locked);
    await tick();
    const link: string = (await notifications(id, 'autostop_reminder'))[0].actions.keepRunning;
    const before = await deadlineOf(id);
    const refused = await h.call(null, 'POST', pathOf(link), undefined, JSON_ONLY);
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/does not allow users to change autostop/);
    const page = await h.call(null, 'POST', pathOf(link));
    expect(page.status).toBe(422);
    expect(page.body).toContain('does not allow users to change autostop');
    expect(await deadlineOf(id)).toEqual(before);
    expect((await linkRow(link)).used_at).toBeNull();
  }, 60_000);

  it('the bearer routes: keep-running (default 1 h, or `for`) and skip-stop, for the owner only', async () => {
    const id = await running(await createTemplate(h.db.pool));
    const path = `/api/v1/workspaces/${ws(await nameOf(id))}`;
    const before = await deadlineOf(id);
    const hour = await h.call(h.tokens.alice, 'POST', `${path}/keep-running`, {});
    expect(hour.status, JSON.stringify(hour.body)).toBe(200);
    expect(hour.body.deadline).toBe(new Date(before.getTime() + H).toISOString());
    const two = await h.call(h.tokens.alice, 'POST', `${path}/keep-running`, { for: '2h' });
    expect(two.body.deadline).toBe(new Date(before.getTime() + 3 * H).toISOString());
    const bad = await h.call(h.tokens.alice, 'POST', `${path}/keep-running`, { for: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('for');
    const skip = await h.call(h.tokens.alice, 'POST', `${path}/skip-stop`);
    expect(skip.body.deadline).toBe(new Date(before.getTime() + 27 * H).toISOString());
    expect((await h.call(h.tokens.bob, 'POST', `${path}/skip-stop`)).status).toBe(404);
    expect(await deadlineOf(id)).toEqual(new Date(before.getTime() + 27 * H));
  }, 60_000);

  it('the autodelete warning is sent once, with a "keep it" link that wakes the workspace; none when the option is off', async () => {
    const off = await createTemplate(h.db.pool, { timeTilDormantAutodeleteMs: 30 * D });
    const on = await createTemplate(h.db.pool, { timeTilDormantAutodeleteMs: 30 * D });
    const updated = await h.call(h.tokens.owner, 'PATCH', `/api/v1/templates/${on.id}`, { autodeleteNotifyBeforeMs: 3 * D });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.template ?? updated.body).toMatchObject({ autodeleteNotifyBeforeMs: 3 * D });
    const dormant = (template: Template) =>
      createWorkspace(h.db.pool, {
        ownerId: alice,
        template,
        lastUsedAt: plus(now, -40 * D),
        dormantAt: plus(now, -28 * D),
        deletingAt: plus(now, 2 * D),
        build: { transition: 'stop', createdAt: plus(now, -40 * D) },
      });
    const warned = await dormant(on);
    const quiet = await dormant(off);
    await tick();
    await tick();
    expect(await notifications(quiet, 'autodelete_warning')).toEqual([]);
    const sent = await notifications(warned, 'autodelete_warning');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ deletingAt: plus(now, 2 * D).toISOString(), actions: { keep: expect.stringMatching(LINK) } });
    const row = (await h.db.pool.query('SELECT notified_deleting_at, deleting_at FROM workspaces WHERE id = $1', [warned])).rows[0];
    expect(row.notified_deleting_at).toEqual(row.deleting_at);

    const link: string = sent[0].actions.keep;
    const page = await h.call(null, 'GET', pathOf(link));
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Deleted after</dt><dd>${plus(now, 2 * D).toISOString()}`);
    expect((await h.db.pool.query('SELECT dormant_at FROM workspaces WHERE id = $1', [warned])).rows[0].dormant_at).not.toBeNull();

    const kept = await h.call(null, 'POST', pathOf(link), undefined, JSON_ONLY);
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    expect(kept.body).toMatchObject({ action: 'keep', dormantAt: null, deletingAt: null });
    const woken = (await h.db.pool.query('SELECT dormant_at, deleting_at, last_used_at FROM workspaces WHERE id = $1', [warned])).rows[0];
    expect(woken).toMatchObject({ dormant_at: null, deleting_at: null });
    expect(woken.last_used_at.getTime()).toBeGreaterThan(now.getTime());
    const audit = await h.db.pool.query(`SELECT actor FROM audit_log WHERE workspace_id = $1 AND action = 'workspace.wake'`, [warned]);
    expect(audit.rows).toEqual([{ actor: 'link:keep' }]);
    expect((await h.call(null, 'POST', pathOf(link), undefined, JSON_ONLY)).status).toBe(410);
  }, 60_000);
});
