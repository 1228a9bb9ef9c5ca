// `autobuild template update <name> --dry-run [--days N] [--reset-inactivity]` and
// `autobuild workspace timeline <owner/name> [--days N]` (docs/cli.md), on the compiled CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ops } from '../../src/ops/index.js';
import { type CliHarness, startCliHarness } from './harness.js';

describe('CLI: policy dry-run and timeline', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCliHarness({ simulatedDurationMs: 0 });
    await h.startWorker();
    const ops = new Ops({ pool: h.db.pool, client: h.temporal.client, taskQueue: h.taskQueue });
    await ops.users.create({ username: 'alice' });
    await ops.templates.create({ name: 'dry', allowUserAutostop: false, defaultTtl: '8h' });
    const created = await ops.workspaces.create({ owner: 'alice', template: 'dry', name: 'dev', autostartSchedule: '0 9 * * *' });
    await ops.waitForBuild(created.jobId, 20_000);
    await ops.waitForBuild((await ops.workspaces.stop('alice/dev')).jobId, 20_000);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('template update --dry-run prints who would stop earlier, with the rule, and changes nothing', async () => {
    const r = await h.cli(['template', 'update', 'dry', '--default-ttl', '4h', '--dry-run', '--days', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('template dry: dry run, nothing written');
    expect(r.stdout).toContain('assuming no future activity');
    expect(r.stdout).toMatch(/alice\/dev\s+stops-earlier\s+.*autostop: deadline /);
    const json = (await h.cli(['template', 'update', 'dry', '--default-ttl', '4h', '--dry-run', '--json'])).json();
    expect(json).toMatchObject({ template: 'dry', days: 14, changed: 1, changes: [{ workspace: 'alice/dev' }] });
    const show = (await h.cli(['template', 'show', 'dry', '--json'])).json();
    expect(show.defaultTtlMs).toBe(8 * 3_600_000);
  });

  it('workspace timeline prints the events in order, each with its rule', async () => {
    const r = await h.cli(['workspace', 'timeline', 'alice/dev', '--days', '2', '--json']);
    expect(r.code).toBe(0);
    const t = r.json();
    expect(t.events.map((e: { kind: string }) => e.kind).slice(0, 2)).toEqual(['start', 'stop']);
    expect(t.events[0].rule).toMatch(/^autostart: /);
    const human = await h.cli(['workspace', 'timeline', 'alice/dev']);
    expect(human.stdout).toMatch(/^alice\/dev: .* \(7 days\), assuming no future activity/);
    expect(human.stdout).toMatch(/start \(autostart\)\s+autostart: /);
  });

  it('bad days get one clear line and change nothing', async () => {
    const zero = await h.cli(['workspace', 'timeline', 'alice/dev', '--days', '0']);
    expect(zero.code).not.toBe(0);
    expect(zero.stderr.trim().split('\n')).toHaveLength(1);
    expect(zero.stderr).toMatch(/--days/);
    const big = await h.cli(['template', 'update', 'dry', '--dry-run', '--days', '1000']);
    expect(big.stderr.trim()).toBe('autobuild: invalid days: expected a whole number of days from 1 to 31, got 1000');
    const noDry = await h.cli(['template', 'update', 'dry', '--days', '3']);
    expect(noDry.stderr.trim()).toBe('autobuild: --days applies to --dry-run only');
  });
});
