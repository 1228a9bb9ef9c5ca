// API tokens (docs/operations.md#api-tokens) against the real database:
// created once, authenticated by the hash of their secret, refused when
// wrong, malformed, revoked, expired or their user is suspended.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOwnerToken } from '../../src/db/sql/tokens.js';
import { DAY } from '../../src/lifecycle/index.js';
import { OpsError, TOKEN_DEFAULT_EXPIRY_MS } from '../../src/ops/index.js';
import { createLogger } from '../../src/runtime/logger.js';
import { isSecretName } from '../../src/runtime/secrets.js';
import { type Harness, seed, startHarness } from '../builds/harness.js';

const SHAPE = /^abk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

describe('API tokens', () => {
  let h: Harness;
  let aliceId: string;
  beforeAll(async () => {
    h = await startHarness({ provisioning: { simulatedDurationMs: 0 } });
    aliceId = (await seed(h)).user.id;
    await h.ops.templates.create({ name: 'py' });
    const { jobId } = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box' });
    await h.ops.waitForBuild(jobId, 20_000);
  });
  afterAll(async () => {
    await h?.close();
  });

  const row = async (id: string) => (await h.db.pool.query('SELECT * FROM api_tokens WHERE id = $1', [id])).rows[0];
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => (e instanceof OpsError ? { code: e.code, message: e.message } : e),
    );

  it('create → authenticate: the token is abk_<id>_<secret>, only the SHA-256 of the secret is stored', async () => {
    const { token, record } = await h.ops.tokens.create({ user: 'alice', role: 'member', name: 'laptop' });
    const [, id, secret] = SHAPE.exec(token)!;
    expect(record).toMatchObject({
      id,
      userId: aliceId,
      username: 'alice',
      role: 'member',
      name: 'laptop',
      status: 'active',
      scope: { workspaceId: null, workspace: null, templateIds: [], templates: [] },
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(record.expiresAt!.getTime() - record.createdAt.getTime()).toBe(TOKEN_DEFAULT_EXPIRY_MS);
    const stored = await row(id!);
    expect(stored.secret_hash).toEqual(createHash('sha256').update(secret!).digest());
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(JSON.stringify(record)).not.toContain(secret);

    expect(await h.ops.tokens.authenticate(token)).toEqual({
      tokenId: id,
      userId: aliceId,
      username: 'alice',
      role: 'member',
      scope: { workspaceId: null, templateIds: [] },
    });
    expect((await row(id!)).last_used_at).toBeInstanceOf(Date);
  });

  it('a wrong secret, a malformed token, an unknown id: null, never an error', async () => {
    const { token } = await h.ops.tokens.create({ user: 'alice', role: 'owner' });
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    for (const bad of [
      `${token.slice(0, -1)}${last}`,
      token.slice(0, -1),
      `${token}x`,
      token.replace('abk_', 'abc_'),
      `abk_zzzzzzzzzzzz_${token.split('_').slice(2).join('_')}`,
      token.toUpperCase(),
      '',
      'abk_',
      `Bearer ${token}`,
      ` ${token}`,
    ]) {
      expect(await h.ops.tokens.authenticate(bad), bad).toBeNull();
    }
    expect(await h.ops.tokens.authenticate(undefined as unknown as string)).toBeNull();
    expect(await h.ops.tokens.authenticate(token)).not.toBeNull();
  });

  it('a revoked token no longer authenticates; revoking twice is a conflict, an unknown id not found; both audited once', async () => {
    const { token, record } = await h.ops.tokens.create({ user: 'alice', role: 'member' });
    const revoked = await h.ops.tokens.revoke(record.id);
    expect(revoked).toMatchObject({ id: record.id, status: 'revoked', revokedAt: expect.any(Date) });
    expect(await h.ops.tokens.authenticate(token)).toBeNull();
    expect(await refusal(h.ops.tokens.revoke(record.id))).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already revoked/),
    });
    expect(await refusal(h.ops.tokens.revoke('nonexistent1'))).toMatchObject({ code: 'not_found' });

    const rows = (await h.ops.audit.list()).items.filter((e) => e.subject === `token ${record.id}`);
    expect(rows.map((e) => e.action)).toEqual(['token.revoke', 'token.create']);
    expect(rows[0]).toMatchObject({
      userId: aliceId,
      before: { id: record.id, revokedAt: null },
      after: { revokedAt: revoked.revokedAt!.toISOString() },
    });
    expect(rows[1]!.after).toMatchObject({ id: record.id, role: 'member', user: 'alice', name: null });
    expect(JSON.stringify(rows)).not.toContain(token.split('_').slice(2).join('_'));
  });

  it('an expired token does not authenticate; expiry defaults to 90 days, is at most 366 days, or never', async () => {
    const { token, record } = await h.ops.tokens.create({ user: 'alice', role: 'member', expiresInMs: 60_000 });
    expect(record.expiresAt!.getTime() - record.createdAt.getTime()).toBe(60_000);
    expect(await h.ops.tokens.authenticate(token)).not.toBeNull();
    await h.db.pool.query(
      `UPDATE api_tokens SET created_at = now() - interval '2 minutes', expires_at = now() - interval '1 second' WHERE id = $1`,
      [record.id],
    );
    expect(await h.ops.tokens.authenticate(token)).toBeNull();
    expect((await h.ops.tokens.get(record.id)).status).toBe('expired');

    const never = await h.ops.tokens.create({ user: 'alice', role: 'member', expiresInMs: null });
    expect(never.record.expiresAt).toBeNull();
    expect(await h.ops.tokens.authenticate(never.token)).not.toBeNull();
    const year = await h.ops.tokens.create({ user: 'alice', role: 'member', expiresInMs: 366 * DAY });
    expect(year.record.expiresAt!.getTime() - year.record.createdAt.getTime()).toBe(366 * DAY);

    for (const expiresInMs of [367 * DAY, 30_000, 0, -1, 1.5, Number.NaN]) {
      expect(await refusal(h.ops.tokens.create({ user: 'alice', role: 'member', expiresInMs })), String(expiresInMs)).toMatchObject({
        code: 'invalid',
        message: expect.stringMatching(/token expiry/),
      });
    }
  });

  it('last_used_at is written when unset or more than an hour old, never more often', async () => {
    const { token, record } = await h.ops.tokens.create({ user: 'alice', role: 'member' });
    expect((await row(record.id)).last_used_at).toBeNull();
    await h.ops.tokens.authenticate(token);
    const first: Date = (await row(record.id)).last_used_at;
    expect(first).toBeInstanceOf(Date);
    await h.ops.tokens.authenticate(token);
    expect((await row(record.id)).last_used_at).toEqual(first);

    await h.db.pool.query(`UPDATE api_tokens SET last_used_at = now() - interval '59 minutes' WHERE id = $1`, [record.id]);
    const recent: Date = (await row(record.id)).last_used_at;
    await h.ops.tokens.authenticate(token);
    expect((await row(record.id)).last_used_at).toEqual(recent);

    await h.db.pool.query(`UPDATE api_tokens SET last_used_at = now() - interval '61 minutes' WHERE id = $1`, [record.id]);
    const old: Date = (await row(record.id)).last_used_at;
    await h.ops.tokens.authenticate(token);
    const refreshed: Date = (await row(record.id)).last_used_at;
    expect(refreshed.getTime()).toBeGreaterThan(old.getTime() + 60 * 60_000);
    expect((await h.ops.tokens.get(record.id)).lastUsedAt).toEqual(refreshed);
  });

  it("a suspended user's tokens do not authenticate (again once active); none is created for a suspended user", async () => {
    const bob = await h.ops.users.create({ username: 'bob' });
    const { token } = await h.ops.tokens.create({ user: bob.id, role: 'template-admin' });
    await h.ops.users.setStatus('bob', 'suspended');
    expect(await h.ops.tokens.authenticate(token)).toBeNull();
    expect(await refusal(h.ops.tokens.create({ user: 'bob', role: 'member' }))).toMatchObject({ code: 'conflict' });
    await h.ops.users.setStatus('bob', 'active');
    expect((await h.ops.tokens.authenticate(token))?.role).toBe('template-admin');
  });

  it('reporter tokens need exactly one scope, a workspace or templates; other roles take none', async () => {
    const box = await h.ops.workspaces.get('alice/box');
    const dev = await h.ops.templates.get('dev');
    const py = await h.ops.templates.get('py');

    const ws = await h.ops.tokens.create({ user: 'alice', role: 'reporter', workspace: 'alice/box' });
    expect(ws.record.scope).toEqual({ workspaceId: box.id, workspace: 'alice/box', templateIds: [], templates: [] });
    expect((await h.ops.tokens.authenticate(ws.token))?.scope).toEqual({ workspaceId: box.id, templateIds: [] });

    const tpl = await h.ops.tokens.create({ user: 'alice', role: 'reporter', templates: ['py', dev.id, 'py'] });
    expect(tpl.record.scope).toEqual({ workspaceId: null, workspace: null, templateIds: [py.id, dev.id], templates: ['py', 'dev'] });
    expect((await h.ops.tokens.authenticate(tpl.token))?.scope).toEqual({ workspaceId: null, templateIds: [py.id, dev.id] });

    const refused = [
      [{ role: 'reporter' }, 'invalid', /exactly one scope/],
      [{ role: 'reporter', templates: [] }, 'invalid', /exactly one scope/],
      [{ role: 'reporter', workspace: 'alice/box', templates: ['dev'] }, 'invalid', /exactly one scope/],
      [{ role: 'member', workspace: 'alice/box' }, 'invalid', /takes no scope/],
      [{ role: 'owner', templates: ['dev'] }, 'invalid', /takes no scope/],
      [{ role: 'reporter', workspace: 'alice/nothing' }, 'not_found', /no workspace alice\/nothing/],
      [{ role: 'reporter', templates: ['dev', 'nothing'] }, 'not_found', /no template nothing/],
      [{ role: 'admin' }, 'invalid', /invalid role "admin"/],
      [{ role: 'member', name: 'x'.repeat(65) }, 'invalid', /token name/],
      [{ role: 'member', name: 'two\nlines' }, 'invalid', /token name/],
      [{ role: 'member', user: 'nobody' }, 'not_found', /no user nobody/],
    ] as const;
    const before = (await h.db.pool.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n;
    const audited = (await h.db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n;
    for (const [input, code, message] of refused) {
      // biome-ignore lint/suspicious/noExplicitAny: refused inputs are not all well typed, on purpose
      const error = await refusal(h.ops.tokens.create({ user: 'alice', ...(input as any) }));
      expect(error, JSON.stringify(input)).toMatchObject({ code, message: expect.stringMatching(message) });
      expect((error as { message: string }).message).not.toContain('\n');
    }
    expect((await h.db.pool.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n).toBe(before);
    expect((await h.db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(audited);
  });

  it('the table holds the scope rule too: a reporter without a scope, or a member with one, is refused', async () => {
    const insert = (role: string, workspaceId: string | null, templateIds: string[] | null) =>
      h.db.pool.query(
        `INSERT INTO api_tokens (id, user_id, role, secret_hash, scope_workspace_id, scope_template_ids)
         VALUES (substr(md5(random()::text), 1, 12), $1, $2, sha256('x'), $3, $4)`,
        [aliceId, role, workspaceId, templateIds],
      );
    const box = await h.ops.workspaces.get('alice/box');
    const dev = await h.ops.templates.get('dev');
    await expect(insert('reporter', null, null)).rejects.toThrow(/api_tokens_reporter_scope/);
    await expect(insert('reporter', null, [])).rejects.toThrow(/api_tokens_reporter_scope/);
    await expect(insert('reporter', box.id, [dev.id])).rejects.toThrow(/api_tokens_reporter_scope/);
    await expect(insert('member', box.id, null)).rejects.toThrow(/api_tokens_reporter_scope/);
    await expect(insert('member', null, [dev.id])).rejects.toThrow(/api_tokens_reporter_scope/);
    await expect(insert('superuser', null, null)).rejects.toThrow(/api_tokens_role_check/);
    await insert('reporter', box.id, null);
    await insert('member', null, null);
  });

  it('lists newest first, by user, a page at a time, never with the hash', async () => {
    const carol = await h.ops.users.create({ username: 'carol' });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await h.ops.tokens.create({ user: 'carol', role: 'member', name: `t${i}` })).record.id);
    const mine = (await h.ops.tokens.list({ user: carol.id })).items;
    expect(mine.map((t) => t.id)).toEqual([...made].reverse());
    for (const t of mine) {
      expect(Object.keys(t).sort()).toEqual(
        ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role', 'scope', 'status', 'userId', 'username'].sort(),
      );
    }
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = await h.ops.tokens.list({ user: 'carol' }, { limit: 2, cursor });
      pages.push(page.items.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pages).toEqual([[made[4], made[3]], [made[2], made[1]], [made[0]]]);
    const everyone = (await h.ops.tokens.list()).items;
    expect(everyone.length).toBeGreaterThan(mine.length);
    expect(everyone.map((t) => t.createdAt.getTime())).toEqual([...everyone.map((t) => t.createdAt.getTime())].sort((a, b) => b - a));
    expect(await refusal(h.ops.tokens.list({ user: 'nobody' }))).toMatchObject({ code: 'not_found' });
  });

  it('whether a usable owner token exists (the service advises how to make the first one when none does)', async () => {
    const owners = (await h.ops.tokens.list()).items.filter((t) => t.role === 'owner' && t.status === 'active');
    for (const t of owners) await h.ops.tokens.revoke(t.id);
    expect(await hasOwnerToken(h.db.pool)).toBe(false);
    await h.ops.users.create({ username: 'olga' });
    const { record } = await h.ops.tokens.create({ user: 'olga', role: 'owner' });
    expect(await hasOwnerToken(h.db.pool)).toBe(true);
    await h.ops.users.setStatus('olga', 'suspended');
    expect(await hasOwnerToken(h.db.pool)).toBe(false);
    await h.ops.users.setStatus('olga', 'active');
    await h.db.pool.query(
      `UPDATE api_tokens SET created_at = now() - interval '2 minutes', expires_at = now() - interval '1 minute' WHERE id = $1`,
      [record.id],
    );
    expect(await hasOwnerToken(h.db.pool)).toBe(false);
  });

  it('a field named token (or a secret hash) is a secret to the logger', () => {
    expect(isSecretName('token')).toBe(true);
    expect(isSecretName('secretHash')).toBe(true);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', write: (l) => lines.push(l) });
    log.info('created', { token: 'abk_aaaaaaaaaaaa_secret', nested: { token: 'abk_bbbbbbbbbbbb_secret' } });
    expect(lines.join('\n')).not.toContain('abk_');
  });
});
