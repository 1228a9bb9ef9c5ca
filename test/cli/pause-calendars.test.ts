// docs/rules.md#pause-and-skip and docs/rules.md#holiday-calendars through the CLI as a user runs it:
// pause, resume, skip-next and unskip keep the next start true and explain says why; a calendar
// imported from an iCalendar file and attached to a template moves the next start off its dates;
// bad input is refused in one line and changes nothing.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHarness, expectRefused, startCliHarness } from './harness.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

describe('autobuild workspace pause | resume | skip-next | unskip, calendar …', () => {
  let h: CliHarness;
  const ok = async (args: string[]) => {
    const r = await h.cli(args);
    expect(r.code, `${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return r;
  };
  const show = async (ws: string) => (await ok(['workspace', 'show', ws, '--json'])).json();

  beforeAll(async () => {
    h = await startCliHarness({ simulatedDurationMs: 50 });
    await h.startWorker();
    await ok(['user', 'create', 'alice']);
    await ok(['template', 'create', 'dev', '--default-ttl', '8h']);
    await ok(['workspace', 'create', 'alice/dev', '--template', 'dev']);
    // Every day at 09:00 UTC; stopped, so its autostart is what decides.
    await ok(['workspace', 'schedule', 'set', 'alice/dev', 'CRON_TZ=UTC 0 9 * * *']);
    await ok(['workspace', 'stop', 'alice/dev']);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('pause --until a date moves the next start to the first occurrence after it; explain names the pause; resume restores it', async () => {
    const before = (await show('alice/dev')).nextStartAt as string;
    const until = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    const paused = (await ok(['workspace', 'pause', 'alice/dev', '--until', until, '--note', 'parental leave', '--json'])).json();
    expect(paused.autostartPause).toMatchObject({ until: `${until}T00:00:00.000Z`, note: 'parental leave' });
    expect(paused.nextStartAt).toBe(`${until}T09:00:00.000Z`);
    const why = (await ok(['explain', 'alice/dev', '--json'])).json();
    expect(why.decision.explanation).toContain(`autostart paused until ${until}T00:00:00.000Z by `);
    expect(why.decision.explanation).toContain(': parental leave');

    const resumed = (await ok(['workspace', 'resume', 'alice/dev', '--json'])).json();
    expect(resumed.autostartPause).toBeNull();
    expect(resumed.nextStartAt).toBe(before);
  }, 60_000);

  it('pause without --until is indefinite and not blocked; skip-next skips only the next occurrence; unskip undoes it', async () => {
    const forever = (await ok(['workspace', 'pause', 'alice/dev', '--json'])).json();
    expect(forever.autostartPause.until).toBeNull();
    expect(forever.nextStartAt).toBeNull();
    expect(forever.autostartBlocked).toBeNull();
    await ok(['workspace', 'resume', 'alice/dev']);

    const next = (await show('alice/dev')).nextStartAt as string;
    const skipped = (await ok(['workspace', 'skip-next', 'alice/dev', '--json'])).json();
    expect(skipped.autostartSkipAt).toBe(next);
    expect(skipped.nextStartAt).toBe(new Date(new Date(next).getTime() + 86_400_000).toISOString());
    const undone = (await ok(['workspace', 'unskip', 'alice/dev', '--json'])).json();
    expect(undone.autostartSkipAt).toBeNull();
    expect(undone.nextStartAt).toBe(next);
  }, 60_000);

  it('bad input is refused in one line and changes nothing', async () => {
    const before = await show('alice/dev');
    expectRefused(await h.cli(['workspace', 'pause', 'alice/dev', '--until', 'tomorrow']), /until/);
    expectRefused(await h.cli(['calendar', 'import', 'office', fixture('timed-event.ics')]), /timed|all-day/i);
    expect(await show('alice/dev')).toEqual(before);
    expect((await ok(['calendar', 'list', '--json'])).json()).toEqual([]);
  }, 60_000);

  it('a calendar attached to the template moves the next start off its dates; detach moves it back', async () => {
    const next = (await show('alice/dev')).nextStartAt as string;
    const day = next.slice(0, 10);
    await ok(['calendar', 'create', 'office']);
    await ok(['calendar', 'add-date', 'office', day, 'Company day']);
    const attached = (await ok(['calendar', 'attach', 'office', '--template', 'dev', '--json'])).json();
    expect(attached.autostartRecomputed).toBe(1);
    expect((await show('alice/dev')).nextStartAt).toBe(new Date(new Date(next).getTime() + 86_400_000).toISOString());
    expect((await ok(['calendar', 'show', 'office'])).stdout).toContain(`${day}  Company day`);

    await ok(['calendar', 'import', 'office', fixture('holidays.ics')]);
    expect((await ok(['calendar', 'show', 'office'])).stdout).toMatch(/-01-01 {2}New Year/);

    await ok(['calendar', 'detach', 'office', '--template', 'dev']);
    expect((await show('alice/dev')).nextStartAt).toBe(next);
  }, 60_000);
});
