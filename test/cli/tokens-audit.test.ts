// `autobuild token ...` and `autobuild audit` through the real binary against
// the real database (docs/cli.md): the token printed once, lists without
// secrets, revocation, and the audit log with its filters. The tests run in
// order and share one database.
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeText } from '../../src/cli/commands/audit.js';
import { type CliHarness, type CliResult, startCliHarness } from './harness.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TOKEN = /abk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}/;
const CLI_ACTOR = `cli:${userInfo().username}`;
const NOT_SHOWN_AGAIN = /will not be shown again/;

let h: CliHarness;
beforeAll(async () => {
  h = await startCliHarness({ simulatedDurationMs: 0 });
  await h.startWorker();
  for (const args of [
    ['user', 'create', 'alice'],
    ['user', 'create', 'bob'],
    ['template', 'create', 'dev'],
    ['workspace', 'create', 'alice/dev', '--template', 'dev'],
  ]) {
    const r = await h.cli(args);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(async () => h?.close());

function expectRefused(r: CliResult, message: RegExp) {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^autobuild: /);
  expect(r.stderr).toMatch(message);
}

describe('token', () => {
  let memberId = '';

  it('token create prints the token once, with a line saying it will not be shown again', async () => {
    const human = await h.cli(['token', 'create', 'alice', '--role', 'member', '--name', 'laptop']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(TOKEN);
    expect(human.stdout).toMatch(NOT_SHOWN_AGAIN);
    expect(human.stdout).toMatch(/role:\s+member/);
    expect(human.stdout.match(new RegExp(TOKEN, 'g'))).toHaveLength(1);

    const r = await h.cli(['token', 'create', 'alice', '--role', 'member', '--expires-in', '30d', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = r.json();
    expect(json).toEqual({
      token: expect.stringMatching(new RegExp(`^${TOKEN.source}$`)),
      id: expect.stringMatching(/^[a-z0-9]{12}$/),
      user: 'alice',
      userId: expect.any(String),
      role: 'member',
      name: null,
      scope: { workspaceId: null, workspace: null, templateIds: [], templates: [] },
      status: 'active',
      createdAt: expect.stringMatching(ISO),
      expiresAt: expect.stringMatching(ISO),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(json.token.startsWith(`abk_${json.id}_`)).toBe(true);
    expect(Date.parse(json.expiresAt) - Date.parse(json.createdAt)).toBe(30 * 86_400_000);
    expect(r.stderr).toMatch(NOT_SHOWN_AGAIN);
    memberId = json.id;

    const never = await h.cli(['token', 'create', 'bob', '--role', 'owner', '--expires-in', 'never', '--json']);
    expect(never.json().expiresAt).toBeNull();
  });

  it('reporter tokens take a workspace or templates; a bad role, expiry or scope is refused with one line', async () => {
    const ws = await h.cli(['token', 'create', 'alice', '--role', 'reporter', '--workspace', 'alice/dev', '--json']);
    expect(ws.json().scope).toMatchObject({ workspace: 'alice/dev', templateIds: [] });
    const tpl = await h.cli(['token', 'create', 'alice', '--role', 'reporter', '--template', 'dev', '--template', 'dev', '--json']);
    expect(tpl.json().scope).toMatchObject({ workspaceId: null, templates: ['dev'] });

    const tokens = await h.db.pool.query('SELECT count(*)::int AS n FROM api_tokens');
    expectRefused(await h.cli(['token', 'create', 'alice', '--role', 'reporter']), /exactly one scope/);
    expectRefused(await h.cli(['token', 'create', 'alice', '--role', 'member', '--template', 'dev']), /takes no scope/);
    expectRefused(await h.cli(['token', 'create', 'alice', '--role', 'root']), /--role/);
    expectRefused(await h.cli(['token', 'create', 'alice']), /--role/);
    expectRefused(await h.cli(['token', 'create', 'alice', '--role', 'member', '--expires-in', '400d']), /token expiry/);
    expectRefused(await h.cli(['token', 'create', 'alice', '--role', 'member', '--expires-in', 'soon']), /--expires-in/);
    expectRefused(await h.cli(['token', 'create', 'nobody', '--role', 'member']), /no user nobody/);
    expect((await h.db.pool.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n).toBe(tokens.rows[0].n);
  });

  it('token list shows every token, newest first, never a secret; --user filters', async () => {
    const all = await h.cli(['token', 'list', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const items = all.json() as Array<{ id: string; user: string; token?: string }>;
    expect(items).toHaveLength(5);
    expect(all.stdout).not.toMatch(/abk_/);
    expect(items.every((t) => t.token === undefined)).toBe(true);
    expect((await h.cli(['token', 'list', '--user', 'bob', '--json'])).json().map((t: { user: string }) => t.user)).toEqual(['bob']);

    const table = await h.cli(['token', 'list', '--user', 'alice']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+USER\s+ROLE\s+NAME\s+SCOPE\s+STATUS\s+EXPIRES\s+LAST USED$/);
    expect(table.stdout).toMatch(/laptop/);
    expect(table.stdout).toMatch(/workspace alice\/dev/);
    expect(table.stdout).toMatch(/templates dev/);
    expectRefused(await h.cli(['token', 'list', '--user', 'nobody']), /no user nobody/);
  });

  it('token revoke revokes once; again, or an unknown id, is refused', async () => {
    const r = await h.cli(['token', 'revoke', memberId, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ id: memberId, status: 'revoked', revokedAt: expect.stringMatching(ISO) });
    expectRefused(await h.cli(['token', 'revoke', memberId]), /already revoked/);
    expectRefused(await h.cli(['token', 'revoke', 'aaaaaaaaaaaa']), /no token aaaaaaaaaaaa/);
    expectRefused(await h.cli(['token', 'revoke', 'not-an-id']), /12 letters and digits/);
  });
});

describe('audit', () => {
  it('lists every change newest first under the CLI actor; --json has the documented fields', async () => {
    const r = await h.cli(['audit', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const entries = r.json() as Array<Record<string, unknown>>;
    expect(entries.map((e) => e.action)).toEqual([
      'token.revoke',
      'token.create',
      'token.create',
      'token.create',
      'token.create',
      'token.create',
      'workspace.create',
      'template.create',
      'user.create',
      'user.create',
    ]);
    expect(entries.every((e) => e.actor === CLI_ACTOR && e.actorUserId === null && e.tokenId === null)).toBe(true);
    expect(Object.keys(entries.at(-1)!).sort()).toEqual(
      ['action', 'actor', 'actorUserId', 'after', 'at', 'before', 'id', 'subject', 'templateId', 'tokenId', 'userId', 'workspaceId'].sort(),
    );
    expect(entries.at(-1)).toMatchObject({ subject: 'user alice', before: null, after: { username: 'alice', status: 'active' } });
    expect(entries[0]!.at).toMatch(ISO);
    expect(r.stdout).not.toMatch(TOKEN);
  });

  it('filters by workspace, actor and time, and stops at --limit', async () => {
    const ws = (await h.cli(['audit', '--workspace', 'alice/dev', '--json'])).json();
    expect(ws.map((e: { action: string }) => e.action)).toEqual(['workspace.create']);
    expect((await h.cli(['audit', '--workspace', ws[0].workspaceId, '--json'])).json()).toEqual(ws);
    expect((await h.cli(['audit', '--actor', 'nobody', '--json'])).json()).toEqual([]);
    expect((await h.cli(['audit', '--actor', CLI_ACTOR, '--limit', '3', '--json'])).json()).toHaveLength(3);
    expect((await h.cli(['audit', '--since', '2999-01-01T00:00:00Z', '--json'])).json()).toEqual([]);
    expect((await h.cli(['audit', '--since', '2000-01-01T00:00:00Z', '--json'])).json()).toHaveLength(10);
    expectRefused(await h.cli(['audit', '--since', 'yesterday']), /--since/);
    expectRefused(await h.cli(['audit', '--workspace', 'alice/nothing']), /no workspace alice\/nothing/);

    const table = await h.cli(['audit', '--limit', '2']);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^AT\s+ACTOR\s+ACTION\s+SUBJECT\s+CHANGE$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/token\.revoke\s+token [a-z0-9]{12}\s+id: .*revokedAt: null → "/);
  });

  it('the change column shows each value before and after', () => {
    expect(changeText({ ttlMs: 1, deadline: null }, { ttlMs: 2, deadline: '2026-01-01T00:00:00.000Z' })).toBe(
      'ttlMs: 1 → 2; deadline: null → "2026-01-01T00:00:00.000Z"',
    );
    expect(changeText(null, { username: 'alice' })).toBe('username: "alice"');
  });
});
