// docs/rules.md#reminder-actions and docs/rules.md#autodelete-warning through the CLI as a user runs it:
// keep-running and skip-stop move the deadline, capped and refused as the rules say; the template
// option of the autodelete warning is set and shown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHarness, expectRefused, startCliHarness } from './harness.js';

const HOUR = 3_600_000;

describe('autobuild workspace keep-running | skip-stop, template --autodelete-notify-before', () => {
  let h: CliHarness;
  const ok = async (args: string[]) => {
    const r = await h.cli(args);
    expect(r.code, `${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return r;
  };
  const deadline = async (ws: string) => new Date((await ok(['workspace', 'show', ws, '--json'])).json().deadline).getTime();

  beforeAll(async () => {
    h = await startCliHarness({ simulatedDurationMs: 50 });
    await h.startWorker();
    await ok(['user', 'create', 'alice']);
    await ok(['template', 'create', 'dev', '--default-ttl', '8h', '--autostop-requirement-days', 'none']);
    await ok(['template', 'create', 'locked', '--default-ttl', '8h', '--allow-user-autostop', 'false']);
    await ok(['workspace', 'create', 'alice/dev', '--template', 'dev']);
    await ok(['workspace', 'create', 'alice/fixed', '--template', 'locked']);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('keep-running moves the deadline 1h later by default, or --for; skip-stop 24h', async () => {
    const before = await deadline('alice/dev');
    const hour = (await ok(['workspace', 'keep-running', 'alice/dev', '--json'])).json();
    expect(hour).toEqual({ workspace: 'alice/dev', deadline: new Date(before + HOUR).toISOString() });
    const half = (await ok(['workspace', 'keep-running', 'alice/dev', '--for', '30m', '--json'])).json();
    expect(half.deadline).toBe(new Date(before + 1.5 * HOUR).toISOString());
    const human = await ok(['workspace', 'skip-stop', 'alice/dev']);
    expect(human.stdout).toMatch(/^alice\/dev: deadline .+\n$/);
    expect(await deadline('alice/dev')).toBe(before + 25.5 * HOUR);
  }, 60_000);

  it('refused in one line where the template forbids user autostop, and the deadline stays', async () => {
    const before = await deadline('alice/fixed');
    expectRefused(await h.cli(['workspace', 'skip-stop', 'alice/fixed']), /template locked does not allow users to change autostop/);
    expectRefused(await h.cli(['workspace', 'keep-running', 'alice/fixed']), /does not allow users to change autostop/);
    expect(await deadline('alice/fixed')).toBe(before);
  }, 60_000);

  it('template update --autodelete-notify-before sets the warning, shown in the template JSON; 0 turns it off', async () => {
    const on = (await ok(['template', 'update', 'dev', '--autodelete-notify-before', '3d', '--json'])).json();
    expect(on.autodeleteNotifyBeforeMs).toBe(72 * HOUR);
    expect((await ok(['template', 'show', 'dev'])).stdout).toMatch(/delete warning:\s+3d before/);
    const off = (await ok(['template', 'update', 'dev', '--autodelete-notify-before', '0', '--json'])).json();
    expect(off.autodeleteNotifyBeforeMs).toBe(0);
    expect((await ok(['template', 'show', 'locked', '--json'])).json().autodeleteNotifyBeforeMs).toBe(0);
  }, 60_000);
});
