// Pause, skip and holiday calendars end to end (docs/rules.md#pause-and-skip,
// docs/rules.md#holiday-calendars): the operations module over the real database,
// the engine's ticks at explicit minutes on the dev server, and the database clock
// (autobuild_now()) stepped by the test so that "now" is known.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCandidates } from '../../src/db/sql/find-candidates.js';
import { Ops } from '../../src/ops/index.js';
import { PROJECT_ROOT } from '../helpers/processes.js';
import { type Engine, jobsSettled, startEngine } from './harness.js';

const fixture = (name: string) => readFile(join(PROJECT_ROOT, 'test/fixtures', name), 'utf8');
const at = (iso: string) => new Date(iso);

describe('pause, skip and holiday calendars', () => {
  let engine: Engine;
  let ops: Ops;
  const setClock = (iso: string) => engine.db.pool.query('UPDATE pause_test_clock SET at = $1', [at(iso)]);
  const row = async (ref: string) => {
    const w = await ops.workspaces.get(ref);
    return { nextStartAt: w.nextStartAt?.toISOString() ?? null, blocked: w.autostartBlocked, build: w.latestBuild };
  };
  /** A stopped workspace with a schedule, its builds done. */
  const stopped = async (owner: string, name: string, template: string, schedule: string) => {
    const created = await ops.workspaces.create({ owner, template, name, autostartSchedule: schedule });
    await ops.waitForBuild(created.jobId, 20_000);
    const stop = await ops.workspaces.stop(`${owner}/${name}`);
    await ops.waitForBuild(stop.jobId, 20_000);
    return created.workspaceId;
  };
  const tick = async (iso: string, ids: string[]) => {
    await engine.tick(at(iso));
    await jobsSettled(engine, ids);
  };

  beforeAll(async () => {
    engine = await startEngine();
    await engine.db.pool.query('CREATE TABLE pause_test_clock (at timestamptz NOT NULL)');
    await engine.db.pool.query('INSERT INTO pause_test_clock VALUES ($1)', [at('2026-01-05T10:00:00Z')]); // a Monday
    await engine.db.pool.query(
      'CREATE OR REPLACE FUNCTION autobuild_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT at FROM pause_test_clock $$',
    );
    await engine.startWorker();
    ops = new Ops({ pool: engine.db.pool, client: engine.temporal.client, taskQueue: engine.taskQueue }).as({
      userId: null,
      name: 'alice',
      tokenId: null,
    });
    for (const username of ['alice', 'bob', 'carol']) await ops.users.create({ username });
    await ops.templates.create({ name: 'dev' });
    await ops.templates.create({ name: 'office' });
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
  });

  it('a pause: no start on its schedule, explain says why, next_start_at is the first occurrence after it; resume brings it back', async () => {
    await setClock('2026-01-05T10:00:00Z');
    const id = await stopped('alice', 'paused', 'dev', '0 9 * * *');
    expect((await row('alice/paused')).nextStartAt).toBe('2026-01-06T09:00:00.000Z');

    const paused = await ops.autostart.pause('alice/paused', { until: '2026-01-08T12:00:00Z', note: 'parental leave' });
    expect(paused).toMatchObject({ pause: { until: at('2026-01-08T12:00:00Z'), note: 'parental leave', by: 'alice' } });
    expect(paused.nextStartAt?.toISOString()).toBe('2026-01-09T09:00:00.000Z');
    expect(await row('alice/paused')).toMatchObject({ nextStartAt: '2026-01-09T09:00:00.000Z', blocked: null });

    const explained = await ops.workspaces.explain('alice/paused', at('2026-01-06T09:00:00Z'));
    expect(explained.preview.decision.explanation).toContain('autostart paused until 2026-01-08T12:00:00.000Z by alice: parental leave');

    // The stored next_start_at is set aside on purpose: the tick recomputes it and still does not start.
    await engine.db.pool.query('UPDATE workspaces SET next_start_at = NULL WHERE id = $1', [id]);
    await tick('2026-01-06T09:00:00Z', [id]);
    expect(await row('alice/paused')).toMatchObject({ nextStartAt: '2026-01-09T09:00:00.000Z', build: { transition: 'stop' } });

    const resumed = await ops.autostart.resume('alice/paused');
    expect(resumed).toMatchObject({ pause: null });
    expect(resumed.nextStartAt?.toISOString()).toBe('2026-01-06T09:00:00.000Z');
    await expect(ops.autostart.resume('alice/paused')).rejects.toThrow('workspace alice/paused is not paused');

    const audit = await ops.audit.list({ workspace: 'alice/paused' });
    expect(audit.items.map((e) => e.action).slice(0, 2)).toEqual(['workspace.resume', 'workspace.pause']);
  });

  it('paused indefinitely: no next start, not blocked, not a candidate; the date form of until is midnight in the schedule’s zone', async () => {
    await setClock('2026-01-05T10:00:00Z');
    const id = await stopped('alice', 'forever', 'dev', 'CRON_TZ=Europe/Berlin 0 8 * * *');
    const forever = await ops.autostart.pause('alice/forever', { note: 'sabbatical' });
    expect(forever).toMatchObject({ pause: { until: null, note: 'sabbatical' }, nextStartAt: null, autostartBlocked: null });
    expect(await findCandidates(engine.db.pool, { at: at('2026-02-01T00:00:00Z'), limit: 1000 })).not.toContain(id);
    const e = await ops.workspaces.explain('alice/forever', at('2026-01-06T07:00:00Z'));
    expect(e.preview.decision.explanation).toBe('no rule matched: autostart paused indefinitely by alice: sabbatical');
    expect(e.preview.nextAutostart).toBeNull();

    // 2026-01-08 in Berlin starts at 2026-01-07T23:00Z; the 08:00 that day fires.
    const dated = await ops.autostart.pause('alice/forever', { until: '2026-01-08' });
    expect(dated.pause?.until?.toISOString()).toBe('2026-01-07T23:00:00.000Z');
    expect(dated.nextStartAt?.toISOString()).toBe('2026-01-08T07:00:00.000Z');
    await expect(ops.autostart.pause('alice/forever', { until: '2026-01-01T00:00:00Z' })).rejects.toThrow(/invalid until .*not after now/);
    await expect(ops.autostart.pause('alice/forever', { until: '2028-01-01' })).rejects.toThrow(/at most 370 days ahead/);
    await expect(ops.autostart.pause('alice/forever', { until: 'tomorrow' })).rejects.toThrow(/invalid until "tomorrow"/);
  });

  it('skip-next: that occurrence does not start, the following one does', async () => {
    await setClock('2026-01-05T10:00:00Z');
    const id = await stopped('alice', 'skipper', 'dev', '0 9 * * *');
    const skipped = await ops.autostart.skipNext('alice/skipper');
    expect(skipped.skipAt?.toISOString()).toBe('2026-01-06T09:00:00.000Z');
    expect(skipped.nextStartAt?.toISOString()).toBe('2026-01-07T09:00:00.000Z');

    await setClock('2026-01-06T09:00:00Z');
    const explained = await ops.workspaces.explain('alice/skipper', at('2026-01-06T09:00:00Z'));
    expect(explained.preview.decision.explanation).toContain('autostart of 2026-01-06T09:00:00.000Z skipped');
    await tick('2026-01-06T09:00:00Z', [id]);
    expect((await row('alice/skipper')).build).toMatchObject({ transition: 'stop' });

    await setClock('2026-01-07T09:00:00Z');
    await tick('2026-01-07T09:00:00Z', [id]);
    expect((await row('alice/skipper')).build).toMatchObject({ transition: 'start', reason: 'autostart', job: { status: 'succeeded' } });
  });

  it('skip-next without a next autostart is refused with a clear error, and unskip without a skip too', async () => {
    await setClock('2026-01-05T10:00:00Z');
    await stopped('alice', 'noschedule', 'dev', '0 9 * * *');
    await ops.workspaces.setAutostart('alice/noschedule', null);
    await expect(ops.autostart.skipNext('alice/noschedule')).rejects.toThrow(
      'workspace alice/noschedule has no next autostart to skip: no autostart schedule is set',
    );
    await expect(ops.autostart.unskip('alice/noschedule')).rejects.toThrow('workspace alice/noschedule has no skipped autostart');
  });

  it('an imported calendar attached to a template: the holiday does not start, next_start_at moves to the next working day in the schedule’s zone; two weeks of holidays do not block; every edit recomputes every workspace', async () => {
    await setClock('2026-01-05T10:00:00Z');
    const schedule = 'CRON_TZ=Europe/Berlin 0 8 * * mon-fri';
    const one = await stopped('bob', 'office', 'office', schedule);
    const two = await stopped('carol', 'office', 'office', schedule);
    expect((await row('bob/office')).nextStartAt).toBe('2026-01-06T07:00:00.000Z');

    await expect(ops.calendars.import('berlin', await fixture('timed-event.ics'))).rejects.toThrow(
      /event "Team meeting" starts at 2026-01-08T10:00:00Z, not on a date/,
    );
    expect((await ops.calendars.list()).items).toEqual([]); // nothing written

    const imported = await ops.calendars.import('berlin', await fixture('holidays.ics'));
    expect(imported.calendar.dates).toBeGreaterThan(1); // Epiphany and the recurring New Year
    expect((await ops.calendars.get('berlin')).holidays).toContainEqual({ date: '2026-01-06', name: 'Epiphany' });
    expect((await ops.calendars.get('berlin')).holidays).toContainEqual({ date: '2027-01-01', name: 'New Year' });

    const attached = await ops.calendars.attach('berlin', { template: 'office' });
    expect(attached.autostartRecomputed).toBe(2);
    for (const ref of ['bob/office', 'carol/office']) expect((await row(ref)).nextStartAt).toBe('2026-01-07T07:00:00.000Z');

    await setClock('2026-01-06T07:00:00Z');
    expect((await ops.workspaces.explain('bob/office', at('2026-01-06T07:00:00Z'))).preview.decision.explanation).toContain(
      '2026-01-06 is a holiday (Epiphany, calendar berlin)',
    );
    await tick('2026-01-06T07:00:00Z', [one, two]);
    expect((await row('bob/office')).build).toMatchObject({ transition: 'stop' });

    // A two-week winter break on top: next_start_at goes past it, and nothing is blocked.
    await setClock('2026-01-06T10:00:00Z');
    const winter = await ops.calendars.import('berlin', await fixture('winter-break.ics'));
    expect(winter.autostartRecomputed).toBe(2);
    for (const ref of ['bob/office', 'carol/office']) {
      expect(await row(ref)).toMatchObject({ nextStartAt: '2026-01-21T07:00:00.000Z', blocked: null });
    }
    // Removing a date recomputes every affected workspace, in the same transaction as the edit.
    const removed = await ops.calendars.removeDate('berlin', '2026-01-07');
    expect(removed.autostartRecomputed).toBe(2);
    for (const ref of ['bob/office', 'carol/office']) expect((await row(ref)).nextStartAt).toBe('2026-01-07T07:00:00.000Z');

    const detached = await ops.calendars.detach('berlin', { template: 'office' });
    expect(detached.autostartRecomputed).toBe(0); // the 7th is a working day either way
    await ops.calendars.addDate('berlin', '2026-01-07', 'Extra day');
    expect((await row('bob/office')).nextStartAt).toBe('2026-01-07T07:00:00.000Z'); // no longer attached

    // Attached to a user: only their workspaces.
    const mine = await ops.calendars.attach('berlin', { user: 'carol' });
    expect(mine.autostartRecomputed).toBe(1);
    expect((await row('carol/office')).nextStartAt).toBe('2026-01-21T07:00:00.000Z');
    expect((await row('bob/office')).nextStartAt).toBe('2026-01-07T07:00:00.000Z');

    const deleted = await ops.calendars.delete('berlin');
    expect(deleted.autostartRecomputed).toBe(1);
    expect((await row('carol/office')).nextStartAt).toBe('2026-01-07T07:00:00.000Z');
  });

  it('a year of holidays blocks autostart with a reason naming the calendar; emptying it unblocks', async () => {
    await setClock('2026-01-05T10:00:00Z');
    await stopped('carol', 'blocked', 'dev', '0 9 * * *');
    await ops.calendars.create('everyday');
    const days = Array.from({ length: 380 }, (_, i) =>
      new Date(at('2026-01-05T00:00:00Z').getTime() + i * 86_400_000).toISOString().slice(0, 10),
    );
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//autobuild//test//EN',
      'BEGIN:VEVENT',
      'UID:year@autobuild.test',
      'DTSTAMP:20250101T000000Z',
      `DTSTART;VALUE=DATE:${days[0]!.replaceAll('-', '')}`,
      `DTEND;VALUE=DATE:${days.at(-1)!.replaceAll('-', '')}`,
      'SUMMARY:Everything',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    await expect(ops.calendars.import('everyday', ics)).rejects.toThrow(/lasts 379 days; at most 366/);
    await ops.calendars.import('everyday', ics.replace(days.at(-1)!.replaceAll('-', ''), '20261231'));
    await ops.calendars.import(
      'everyday',
      ics
        .replace(`DTSTART;VALUE=DATE:${days[0]!.replaceAll('-', '')}`, 'DTSTART;VALUE=DATE:20261231')
        .replace(days.at(-1)!.replaceAll('-', ''), '20270201'),
    );
    await ops.calendars.attach('everyday', { user: 'carol' });
    const w = await row('carol/blocked');
    expect(w.nextStartAt).toBeNull();
    expect(w.blocked).toMatch(/within 370 days after .* may autostart: each is a holiday of calendar everyday$/);
    await ops.calendars.detach('everyday', { user: 'carol' });
    expect(await row('carol/blocked')).toMatchObject({ nextStartAt: '2026-01-06T09:00:00.000Z', blocked: null });
  });
});
