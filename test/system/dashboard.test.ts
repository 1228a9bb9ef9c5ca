// The web dashboard in a real browser (Debian's chromium, driven by
// playwright-core) against the service as users run it: `node dist/main.js`
// on the test run's PostgreSQL and Temporal, with its worker running the
// builds. What a person does: sign in with a token, read when and why a
// workspace stops, extend it, preview and save a schedule, be refused with a
// message and nothing changed; and a member never sees another's workspace.
// axe-core, injected into every page, finds no serious or critical violation.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ops } from '../../src/ops/index.js';
import { freePort, stopChild } from '../../src/runtime/ports.js';
import { launchChromium, seriousViolations } from '../helpers/chromium.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cleanEnv, type Spawned, spawnMain } from '../helpers/processes.js';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal.js';

describe('the web dashboard in chromium', () => {
  let work: string;
  let db: TestDatabase;
  let temporal: TestTemporal;
  let main: Spawned | undefined;
  let browser: Browser;
  let base: string;
  let ops: Ops;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'autobuild-dashboard-'));
    [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    main = spawnMain(
      cleanEnv({
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        AUTOBUILD_TASK_QUEUE: temporal.taskQueue,
        AUTOBUILD_DATA_DIR: join(work, 'data'),
        AUTOBUILD_API_PORT: String(port),
        AUTOBUILD_SIMULATED_DURATION: '0',
        AUTOBUILD_SESSION_SECRET: 'dashboard-test-secret-of-at-least-32-chars',
        AUTOBUILD_TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      }),
    );
    await main.waitFor(/autobuild is running/, 60_000);
    expect(main.output()).toContain(`open the dashboard at ${base}/`);
    ops = new Ops({ pool: db.pool, client: temporal.client, taskQueue: temporal.taskQueue });
    for (const username of ['alice', 'bob', 'tess']) await ops.users.create({ username });
    await ops.templates.create({ name: 'dev', defaultTtl: '2h', autostartAllowedDays: 'mon-fri' });
    await ops.templates.create({ name: 'locked', defaultTtl: '2h', allowUserAutostart: false, allowUserAutostop: false });
    for (const [owner, name, template] of [
      ['alice', 'dev', 'dev'],
      ['alice', 'locked', 'locked'],
      ['bob', 'secret', 'dev'],
    ] as const) {
      const started = await ops.workspaces.create({ owner, template, name });
      ids[`${owner}/${name}`] = started.workspaceId;
      expect((await ops.waitForBuild(started.jobId, 30_000)).job.status).toBe('succeeded');
    }
    tokens.alice = (await ops.tokens.create({ user: 'alice', role: 'member' })).token;
    tokens.bob = (await ops.tokens.create({ user: 'bob', role: 'member' })).token;
    tokens.tess = (await ops.tokens.create({ user: 'tess', role: 'template-admin' })).token;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (main) await stopChild(main.child, 15_000);
    await temporal?.close();
    await db?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  /** The API's answer, as the dashboard's own handlers give it. */
  const api = async (token: string, path: string) => {
    const res = await fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    // biome-ignore lint/suspicious/noExplicitAny: checked field by field
    return (await res.json()) as any;
  };

  async function signedIn(user: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await expectAccessible(page);
    await page.getByLabel('API token').fill(tokens[user]!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My workspaces' }).waitFor();
    return { context, page };
  }

  async function expectAccessible(page: Page) {
    expect(await seriousViolations(page)).toEqual([]);
  }

  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
  const text = (l: Locator) => l.innerText();
  const card = (page: Page, name: string) => page.getByRole('region', { name: new RegExp(`^${name} `) });

  it("shows a workspace's deadline in the viewer's zone with a countdown, and why", async () => {
    const { context, page } = await signedIn('alice');
    await expectAccessible(page);
    const dev = card(page, 'alice/dev');
    const deadline = await text(dev.getByTestId('deadline'));
    expect(deadline).toMatch(/Europe\/Berlin/);
    expect(deadline).toMatch(/in (1 h \d+ min|2 h)/);
    const explain = await api(tokens.alice!, `/workspaces/${ids['alice/dev']}/explain`);
    expect(await text(dev.getByTestId('why'))).toBe(`Why: ${explain.decision.explanation}`);
    await context.close();
  });

  it('extends the deadline and shows the new one', async () => {
    const { context, page } = await signedIn('alice');
    const dev = card(page, 'alice/dev');
    const before = (await api(tokens.alice!, `/workspaces/${ids['alice/dev']}`)).deadline as string;
    await dev.getByLabel('New deadline').selectOption('8');
    await dev.getByRole('button', { name: 'Extend' }).click();
    await page.getByText('Deadline moved.').waitFor();
    const after = (await api(tokens.alice!, `/workspaces/${ids['alice/dev']}`)).deadline as string;
    expect(Date.parse(after) - Date.parse(before)).toBeGreaterThan(5 * 3_600_000);
    expect(await text(card(page, 'alice/dev').getByTestId('deadline'))).toMatch(/in 8 h|in 7 h 59 min/);
    await context.close();
  });

  it('previews a schedule with its next five starts before saving it, then saves it', async () => {
    const { context, page } = await signedIn('alice');
    const dev = card(page, 'alice/dev');
    await dev.getByLabel('Schedule', { exact: true }).fill('CRON_TZ=Europe/Berlin 30 8 * * mon-fri');
    await dev.getByRole('button', { name: 'Preview' }).click();
    const preview = card(page, 'alice/dev').getByTestId('schedule-preview');
    await preview.waitFor();
    expect(await text(preview)).toContain('Mon–Fri 08:30 Europe/Berlin');
    const starts = await preview.getByRole('listitem').allInnerTexts();
    expect(starts).toHaveLength(5);
    for (const s of starts) expect(s).toMatch(/^(Mon|Tue|Wed|Thu|Fri) .*08:30 Europe\/Berlin$/);
    // Nothing is saved by a preview.
    expect((await api(tokens.alice!, `/workspaces/${ids['alice/dev']}`)).autostartSchedule).toBeNull();
    await expectAccessible(page);
    await card(page, 'alice/dev').getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('Schedule saved.').waitFor();
    expect((await api(tokens.alice!, `/workspaces/${ids['alice/dev']}`)).autostartSchedule).toBe('CRON_TZ=Europe/Berlin 30 8 * * mon-fri');
    expect(await text(card(page, 'alice/dev').getByTestId('next-autostart'))).toMatch(/08:30 Europe\/Berlin in /);
    await context.close();
  });

  it('a refused action shows its message beside the form and changes nothing', async () => {
    const { context, page } = await signedIn('alice');
    const locked = card(page, 'alice/locked');
    const before = await api(tokens.alice!, `/workspaces/${ids['alice/locked']}`);
    await locked.getByLabel('TTL', { exact: true }).fill('4h');
    await locked.getByRole('button', { name: 'Save TTL' }).click();
    const alert = card(page, 'alice/locked').getByRole('alert');
    await alert.waitFor();
    expect(await text(alert)).toMatch(/template locked does not allow users to set a TTL/);
    await expectAccessible(page);
    expect(await api(tokens.alice!, `/workspaces/${ids['alice/locked']}`)).toEqual(before);

    await card(page, 'alice/locked').getByLabel('Schedule', { exact: true }).fill('0 9 * * *');
    await card(page, 'alice/locked').getByRole('button', { name: 'Save schedule' }).click();
    const refused = card(page, 'alice/locked').getByRole('alert');
    await refused.waitFor();
    expect(await text(refused)).toMatch(/autostart/i);
    expect(await card(page, 'alice/locked').getByLabel('Schedule', { exact: true }).inputValue()).toBe('0 9 * * *');
    expect((await api(tokens.alice!, `/workspaces/${ids['alice/locked']}`)).autostartSchedule).toBeNull();
    await context.close();
  });

  it("a member sees only their own workspaces, and another's page is not found", async () => {
    const { context, page } = await signedIn('bob');
    expect(await page.getByRole('heading', { name: /bob\/secret/ }).count()).toBe(1);
    expect(await page.getByText('alice/dev').count()).toBe(0);
    const answer = await page.goto(`${base}/workspaces/${ids['alice/dev']}`);
    expect(answer?.status()).toBe(404);
    expect(await text(page.getByRole('alert'))).toMatch(/no workspace/);
    expect(await page.getByText('alice/dev').count()).toBe(0);
    await context.close();
  });

  it("a workspace's page: builds with their jobs and log, the next 7 days, and its runs in the Temporal UI", async () => {
    const { context, page } = await signedIn('alice');
    await page.getByRole('link', { name: 'alice/dev' }).click();
    await page.getByRole('heading', { name: 'Workspace alice/dev' }).waitFor();
    expect(await text(page.getByRole('region', { name: 'Builds' }).getByRole('table'))).toMatch(/#1\s+start\s+initiator\s+succeeded/);
    expect(await page.getByRole('heading', { name: /Log of build #\d+/ }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /The next 7 days/ }).count()).toBe(1);
    const link = page.getByRole('link', { name: 'Its runs in the Temporal UI' });
    expect(await link.getAttribute('href')).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows?query=${encodeURIComponent(`WorkspaceId="${ids['alice/dev']}"`)}`,
    );
    await expectAccessible(page);
    await context.close();
  });

  it('templates (every option and a form, for a template admin) and the audit log, filtered, are accessible', async () => {
    const { context, page } = await signedIn('tess');
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
    const dev = page.getByRole('region', { name: /^dev / });
    await dev.getByLabel('Default TTL').fill('3h');
    await dev.getByRole('button', { name: 'Save dev' }).click();
    await page.getByText('Template saved.').waitFor();
    expect((await api(tokens.tess!, '/templates/dev')).defaultTtlMs).toBe(3 * 3_600_000);
    await page.getByRole('region', { name: /^dev / }).getByLabel('Default TTL').fill('forever');
    await page.getByRole('region', { name: /^dev / }).getByRole('button', { name: 'Save dev' }).click();
    expect(await text(page.getByRole('alert'))).toMatch(/invalid Default TTL/);
    expect((await api(tokens.tess!, '/templates/dev')).defaultTtlMs).toBe(3 * 3_600_000);
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Workspace').fill('alice/dev');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = await page.getByRole('row').allInnerTexts();
    expect(rows.some((r) => /workspace\.extend/.test(r))).toBe(true);
    expect(rows.some((r) => /template\.update/.test(r))).toBe(false);
    await expectAccessible(page);
    await context.close();
  });
});
