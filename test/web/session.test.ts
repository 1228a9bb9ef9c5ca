// The dashboard's session and form tokens over plain HTTP (no browser): a
// sealed HttpOnly cookie, a form without the session's token or from another
// origin refused with nothing changed, a tampered cookie signed out, sign-out
// clearing the cookie, and sessions shared by processes with the same secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/web/dashboard.js';
import { type ApiHarness, startApiHarness } from '../api/harness.js';
import { dumpTables, WRITTEN_BY_AUTHENTICATION } from '../helpers/tables.js';
import { Browser } from './browser.js';

describe('dashboard sessions and forms', () => {
  let h: ApiHarness;
  let workspaceId: string;
  beforeAll(async () => {
    h = await startApiHarness();
    await h.ops.templates.create({ name: 'dev', defaultTtl: '1h', autostopRequirementDays: 'all' });
    const started = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'dev' });
    await h.ops.waitForBuild(started.jobId, 30_000);
    workspaceId = started.workspaceId;
  });
  afterAll(async () => {
    await h?.close();
  });

  const dump = () => dumpTables(h.db.pool, WRITTEN_BY_AUTHENTICATION);

  it('signing in sets an HttpOnly, SameSite=Strict session cookie that hides the token, and shows my workspace', async () => {
    const b = new Browser(h);
    const signedIn = await b.signIn(h.tokens.alice);
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe('/');
    const cookie = signedIn.setCookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // plain http on localhost
    const secret = h.tokens.alice.split('_')[2]!;
    expect(decodeURIComponent(cookie)).not.toContain(secret);
    expect(Buffer.from(b.jar.get(SESSION_COOKIE)!, 'base64url').toString('latin1')).not.toContain(secret);
    const home = await b.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('alice/dev');
    expect(home.text).toContain('Why: ');
  });

  it('a wrong token is refused beside the token field, and no session is made', async () => {
    const b = new Browser(h);
    const answer = await b.signIn('abk_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('id="token-error"');
    expect(answer.text).toContain('invalid, expired or revoked token');
    expect(b.jar.has(SESSION_COOKIE)).toBe(false);
    expect((await b.get('/')).location).toBe('/signin');
  });

  it.each([
    ['without the form token', (_csrf: string) => ({}), {}],
    ['with another form token', (_csrf: string) => ({ csrf: 'x'.repeat(32) }), {}],
    ['from another origin, even with the right token', (csrf: string) => ({ csrf }), { origin: 'http://evil.example' }],
  ])('a form posted %s is refused and changes nothing', async (_name, token, headers) => {
    const b = new Browser(h);
    await b.signIn(h.tokens.alice);
    const csrf = Browser.csrfOf((await b.get('/')).text);
    const before = await dump();
    const answer = await b.post(`/workspaces/${workspaceId}/extend`, { ...token(csrf), hours: '2', back: '/' }, headers);
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('nothing was changed');
    expect(await dump()).toEqual(before);
  });

  it('the same form with the token and from the dashboard does what it says', async () => {
    const b = new Browser(h);
    await b.signIn(h.tokens.alice);
    const csrf = Browser.csrfOf((await b.get('/')).text);
    const deadline = async () => (await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${workspaceId}`)).body.deadline as string;
    const before = await deadline();
    const answer = await b.post(`/workspaces/${workspaceId}/extend`, { csrf, hours: '2', back: '/' });
    expect(answer.status).toBe(303);
    expect(Date.parse(await deadline())).toBeGreaterThan(Date.parse(before));
  });

  it('a tampered cookie signs out: the cookie is cleared and sign-in is asked for', async () => {
    const b = new Browser(h);
    await b.signIn(h.tokens.alice);
    const sealed = b.jar.get(SESSION_COOKIE)!;
    const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
    b.jar.set(SESSION_COOKIE, flipped);
    const answer = await b.get('/');
    expect(answer.status).toBe(303);
    expect(answer.location).toMatch(/^\/signin/);
    expect(b.jar.has(SESSION_COOKIE)).toBe(false);
  });

  it('signing out clears the cookie', async () => {
    const b = new Browser(h);
    await b.signIn(h.tokens.alice);
    const csrf = Browser.csrfOf((await b.get('/')).text);
    const answer = await b.post('/signout', { csrf });
    expect(answer.status).toBe(303);
    expect(answer.setCookies.some((c) => c.startsWith(`${SESSION_COOKIE}=;`) && /Max-Age=0/i.test(c))).toBe(true);
    expect(b.jar.has(SESSION_COOKIE)).toBe(false);
    expect((await b.get('/')).location).toBe('/signin');
  });

  it('processes sharing AUTOBUILD_SESSION_SECRET share sessions; another secret does not open them', async () => {
    const one = new Browser(h);
    await one.signIn(h.tokens.alice);
    const two = new Browser(h);
    two.jar.set(SESSION_COOKIE, one.jar.get(SESSION_COOKIE)!);
    expect((await two.get('/')).status).toBe(200);
    const other = new Browser(h, 'another-secret-that-is-at-least-32-characters');
    other.jar.set(SESSION_COOKIE, one.jar.get(SESSION_COOKIE)!);
    expect((await other.get('/')).location).toMatch(/^\/signin/);
  });

  it('a revoked token ends the session at the next page', async () => {
    const created = await h.ops.tokens.create({ user: 'alice', role: 'member' });
    const b = new Browser(h);
    await b.signIn(created.token);
    expect((await b.get('/')).status).toBe(200);
    await h.ops.tokens.revoke(created.record.id);
    const answer = await b.get('/');
    expect(answer.location).toMatch(/^\/signin/);
    expect(b.jar.has(SESSION_COOKIE)).toBe(false);
  });

  it('the API and its errors are unchanged beside the dashboard', async () => {
    const b = new Browser(h);
    const health = await b.get('/healthz');
    expect(health.status).toBe(200);
    const unauthenticated = await b.get('/api/v1/workspaces');
    expect(unauthenticated.status).toBe(401);
    expect(JSON.parse(unauthenticated.text).error.code).toBe('unauthenticated');
  });
});
