// `npm run screenshots`: pictures of the web dashboard for the README, taken
// from a real service with a small seeded demo. Starts `node dist/main.js`
// (its own embedded PostgreSQL and Temporal dev server, in a temporary data
// folder, on free ports), seeds users, templates and workspaces with the
// `autobuild` CLI, opens the main pages in Debian's chromium (playwright-core)
// and writes docs/images/dashboard-*.png. Not a test.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { freePort, stopChild } from '../src/runtime/ports.js';
import { launchChromium } from '../test/helpers/chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'docs', 'images');
const work = mkdtempSync(join(tmpdir(), 'autobuild-screenshots-'));
// As root, the embedded PostgreSQL runs as another user, which must reach its data folder.
chmodSync(work, 0o755);
const [api, pg, temporal, ui, metrics, sdkMetrics] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
const env = {
  ...process.env,
  AUTOBUILD_DATA_DIR: join(work, 'data'),
  AUTOBUILD_API_PORT: String(api),
  AUTOBUILD_PG_PORT: String(pg),
  AUTOBUILD_TEMPORAL_PORT: String(temporal),
  AUTOBUILD_TEMPORAL_UI_PORT: String(ui),
  AUTOBUILD_METRICS_PORT: String(metrics),
  AUTOBUILD_SDK_METRICS_PORT: String(sdkMetrics),
  AUTOBUILD_SIMULATED_DURATION: '1s',
  AUTOBUILD_SESSION_SECRET: 'screenshots-only-secret-of-at-least-32-characters',
  LOG_FORMAT: 'json',
};
for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS']) delete (env as Record<string, string | undefined>)[k];

function startService(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, 'dist', 'main.js')], { cwd: root, env });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('autobuild is running')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before it ran:\n${output}`)));
  });
}

const cli = (...args: string[]) =>
  execFileSync(process.execPath, [join(root, 'bin', 'autobuild.mjs'), ...args], { cwd: root, env, encoding: 'utf8' });
const token = (user: string, role: string) => JSON.parse(cli('token', 'create', user, '--role', role, '--json')).token as string;

const service = await startService();
try {
  const base = `http://127.0.0.1:${api}`;
  cli('user', 'create', 'alice');
  cli('user', 'create', 'tess');
  cli('template', 'create', 'dev', '--default-ttl', '8h', '--autostart-days', 'mon-fri', '--autostop-notify-before', '30m');
  cli('template', 'create', 'gpu', '--default-ttl', '2h', '--dormancy-threshold', '14d', '--dormancy-autodelete', '30d');
  cli('workspace', 'create', 'alice/dev', '--template', 'dev', '--autostart', 'CRON_TZ=Europe/Berlin 30 8 * * mon-fri', '--ttl', '8h');
  cli('workspace', 'create', 'alice/gpu', '--template', 'gpu');
  cli('workspace', 'stop', 'alice/gpu');
  const alice = token('alice', 'member');
  const tess = token('tess', 'template-admin');

  const browser = await launchChromium();
  try {
    const shoot = async (user: string, path: string, file: string, prepare?: (page: Page) => Promise<void>) => {
      const context = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB', viewport: { width: 1200, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/signin`);
      await page.getByLabel('API token').fill(user);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'My workspaces' }).waitFor();
      await page.goto(`${base}${path}`);
      await prepare?.(page);
      mkdirSync(out, { recursive: true });
      await page.screenshot({ path: join(out, file), fullPage: true });
      console.log(`wrote docs/images/${file}`);
      await context.close();
    };
    await shoot(alice, '/', 'dashboard-workspaces.png', async (page) => {
      const dev = page.getByRole('region', { name: /^alice\/dev / });
      await dev.getByLabel('Schedule', { exact: true }).fill('CRON_TZ=Europe/Berlin 0 9 * * mon-thu');
      await dev.getByRole('button', { name: 'Preview' }).click();
      await page.getByTestId('schedule-preview').waitFor();
    });
    const id = JSON.parse(cli('workspace', 'show', 'alice/dev', '--json')).id as string;
    await shoot(alice, `/workspaces/${id}`, 'dashboard-workspace.png');
    await shoot(tess, '/templates', 'dashboard-templates.png');
  } finally {
    await browser.close();
  }
} finally {
  await stopChild(service, 30_000);
  rmSync(work, { recursive: true, force: true });
}
