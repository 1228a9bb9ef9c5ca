import { describe, expect, it } from 'vitest';
import {
  ALL_WEEKDAYS,
  classifyChange,
  decide,
  type Projection,
  policyChangeReaches,
  project,
  sameEvents,
  type TemplatePolicy,
  type WorkspaceSnapshot,
} from '../../src/lifecycle/index.js';
import { at, D, H, MIN, plus, seededRandom, snapshot } from './fixtures.js';

const Q = { quietHoursSchedule: null };
const lines = (p: Projection) =>
  p.events.map((e) => `${e.at.toISOString()} ${e.kind}${e.transition ? ` ${e.transition}/${e.reason}` : ''}`);

describe('project: the events of the coming days, event by event', () => {
  it('a weekday schedule with a TTL and a reminder: start, reminder, stop each weekday, nothing at the weekend', () => {
    const s = snapshot({
      workspace: { autostartSchedule: 'CRON_TZ=Europe/Berlin 0 9 * * 1-5', ttlMs: 8 * H, nextStartAt: at('2024-01-05T08:00:00Z') },
      template: { autostopNotifyBeforeMs: 30 * MIN },
      latestBuild: { transition: 'stop', createdAt: at('2024-01-04T17:00:00Z') },
      latestJob: { completedAt: at('2024-01-04T17:00:20Z') },
    });
    const p = project(s, at('2024-01-05T07:00:30Z'), at('2024-01-08T12:00:00Z'), Q);
    expect(lines(p)).toEqual([
      '2024-01-05T08:00:00.000Z start start/autostart',
      '2024-01-05T15:30:00.000Z reminder', // 30 min before the 16:00 deadline
      '2024-01-05T16:01:00.000Z stop stop/autostop', // the first tick strictly after the deadline
      '2024-01-08T08:00:00.000Z start start/autostart', // Monday: the weekend has no occurrence
    ]);
    expect(p.from.toISOString()).toBe('2024-01-05T07:01:00.000Z');
    expect(p.truncated).toBe(false);
    expect(p.events[2]!.rule).toBe('autostop: deadline 2024-01-05T16:00:00.000Z passed before tick 2024-01-05T16:01:00.000Z');
  });

  it('each event is what decide says at its tick', () => {
    const s = snapshot({
      workspace: { autostartSchedule: '30 8 * * *', ttlMs: 4 * H, lastUsedAt: at('2024-01-01T10:00:00Z') },
      template: { timeTilDormantMs: 3 * D, timeTilDormantAutodeleteMs: 2 * D, autostopNotifyBeforeMs: 15 * MIN },
      latestBuild: { deadline: at('2024-01-01T14:00:00Z') },
    });
    const p = project(s, at('2024-01-01T12:00:00Z'), at('2024-01-10T00:00:00Z'), Q);
    for (const e of p.events) expect(e.rule).toMatch(/^(autostop|autostart|dormancy|autodelete|autostop reminder): /);
    expect(lines(p)).toEqual([
      '2024-01-01T13:45:00.000Z reminder',
      '2024-01-01T14:01:00.000Z stop stop/autostop',
      '2024-01-02T08:30:00.000Z start start/autostart',
      '2024-01-02T12:15:00.000Z reminder',
      '2024-01-02T12:31:00.000Z stop stop/autostop',
      '2024-01-03T08:30:00.000Z start start/autostart',
      '2024-01-03T12:15:00.000Z reminder',
      '2024-01-03T12:31:00.000Z stop stop/autostop',
      '2024-01-04T08:30:00.000Z start start/autostart',
      // Three days after the last use, the running workspace is stopped by dormancy and marked.
      '2024-01-04T10:01:00.000Z dormant stop/dormancy',
      // Deleted at the first tick strictly after deleting_at = dormant_at + 2 days.
      '2024-01-06T10:02:00.000Z delete delete/autodelete',
    ]);
  });

  it('a stopped workspace becomes dormant without a build', () => {
    const s = snapshot({
      workspace: { lastUsedAt: at('2024-01-01T10:00:30Z') },
      template: { timeTilDormantMs: 7 * D },
      latestBuild: { transition: 'stop' },
    });
    const p = project(s, at('2024-01-02T00:00:00Z'), at('2024-01-20T00:00:00Z'), Q);
    expect(lines(p)).toEqual(['2024-01-08T10:01:00.000Z dormant']);
    expect(p.events[0]!.transition).toBeNull();
  });

  it('a NULL next_start_at is filled at the first tick, which never starts the workspace', () => {
    const s = snapshot({
      workspace: { autostartSchedule: '0 9 * * *', nextStartAt: null },
      latestBuild: { transition: 'stop', createdAt: at('2024-01-01T08:00:00Z') },
    });
    const p = project(s, at('2024-01-01T09:00:00Z'), at('2024-01-02T12:00:00Z'), Q);
    expect(lines(p)).toEqual(['2024-01-02T09:00:00.000Z start start/autostart']);
  });

  it("a suspended owner's running workspace is stopped at the first tick", () => {
    const p = project(snapshot({ owner: { status: 'suspended' } }), at('2024-01-01T12:00:00Z'), at('2024-01-02T00:00:00Z'), Q);
    expect(lines(p)).toEqual(['2024-01-01T12:00:00.000Z stop stop/autostop']);
  });

  it('a failed start is stopped by failed cleanup, then autostart resumes', () => {
    const s = snapshot({
      workspace: { autostartSchedule: '0 9 * * *', nextStartAt: at('2024-01-02T09:00:00Z') },
      template: { failureTtlMs: H },
      latestJob: { status: 'failed', completedAt: at('2024-01-01T10:00:00Z') },
    });
    const p = project(s, at('2024-01-01T10:30:00Z'), at('2024-01-02T10:00:00Z'), Q);
    expect(lines(p)).toEqual(['2024-01-01T11:01:00.000Z stop stop/autostop', '2024-01-02T09:00:00.000Z start start/autostart']);
    expect(p.events[0]!.rule).toMatch(/^failed cleanup: /);
  });

  it("the autostop requirement caps a start's deadline at the owner's quiet hours", () => {
    const s = snapshot({
      workspace: { autostartSchedule: '0 20 * * *', ttlMs: 8 * H, nextStartAt: at('2024-01-01T20:00:00Z') },
      template: { autostopRequirementDays: [...ALL_WEEKDAYS] },
      latestBuild: { transition: 'stop' },
    });
    const quiet = (schedule: string) =>
      lines(project(s, at('2024-01-01T19:00:00Z'), at('2024-01-02T06:00:00Z'), { quietHoursSchedule: schedule }));
    // 20:00 + 8 h is 04:00; quiet hours at 23:00 are more than an hour after the start, so that night's 23:00 caps it.
    expect(quiet('CRON_TZ=UTC 0 23 * * *')).toEqual([
      '2024-01-01T20:00:00.000Z start start/autostart',
      '2024-01-01T23:01:00.000Z stop stop/autostop',
    ]);
    // Quiet hours at 05:00 come after 04:00: the TTL's deadline stands.
    expect(quiet('CRON_TZ=UTC 0 5 * * *')).toEqual([
      '2024-01-01T20:00:00.000Z start start/autostart',
      '2024-01-02T04:01:00.000Z stop stop/autostop',
    ]);
  });

  it('a build still running when the projection starts completes at its first tick', () => {
    const s = snapshot({
      workspace: { ttlMs: 2 * H },
      latestJob: { status: 'running', completedAt: null },
    });
    const p = project(s, at('2024-01-01T10:05:00Z'), at('2024-01-02T00:00:00Z'), Q);
    expect(lines(p)).toEqual(['2024-01-01T12:06:00.000Z stop stop/autostop']);
  });

  it('the step bound ends a projection and says so', () => {
    const s = snapshot({
      workspace: { autostartSchedule: '* * * * *', ttlMs: MIN, nextStartAt: at('2024-01-01T10:00:00Z') },
      latestBuild: { transition: 'stop' },
    });
    const p = project(s, at('2024-01-01T10:00:00Z'), at('2024-01-08T00:00:00Z'), { ...Q, maxSteps: 10 });
    expect(p.truncated).toBe(true);
    expect(p.events).toHaveLength(9); // the first tick is evaluated, then nine more
  });

  it('nothing after deletion, and nothing at or after `until`', () => {
    const s = snapshot({
      workspace: { dormantAt: at('2024-01-01T00:00:00Z'), deletingAt: at('2024-01-03T00:00:00Z') },
      template: { timeTilDormantMs: D, timeTilDormantAutodeleteMs: 2 * D },
      latestBuild: { transition: 'stop' },
    });
    expect(lines(project(s, at('2024-01-02T00:00:00Z'), at('2024-01-10T00:00:00Z'), Q))).toEqual([
      '2024-01-03T00:01:00.000Z delete delete/autodelete',
    ]);
    expect(project(s, at('2024-01-02T00:00:00Z'), at('2024-01-03T00:01:00Z'), Q).events).toEqual([]);
  });
});

describe('classifyChange: what a policy change does to a workspace', () => {
  const running = (template: Partial<TemplatePolicy> = {}, lastUsed = '2024-01-01T10:00:00Z') =>
    snapshot({
      workspace: { autostartSchedule: '0 9 * * *', lastUsedAt: at(lastUsed), nextStartAt: at('2024-01-02T09:00:00Z') },
      template: { allowUserAutostop: false, defaultTtlMs: 8 * H, ...template },
      latestBuild: { transition: 'stop' },
    });
  const from = at('2024-01-01T12:00:00Z');
  const until = plus(from, 14 * D);
  const diff = (a: WorkspaceSnapshot, b: WorkspaceSnapshot) => classifyChange(project(a, from, until, Q), project(b, from, until, Q));

  it('a shorter TTL stops earlier, with the autostop rule', () => {
    const [change] = diff(running(), running({ defaultTtlMs: 4 * H }));
    expect(change).toMatchObject({ kind: 'stops-earlier', before: at('2024-01-02T17:01:00Z'), after: at('2024-01-02T13:01:00Z') });
    expect(change!.rule).toBe('autostop: deadline 2024-01-02T13:00:00.000Z passed before tick 2024-01-02T13:01:00.000Z');
  });

  it('a tighter dormancy threshold makes it dormant; autodelete then deletes it', () => {
    expect(diff(running(), running({ timeTilDormantMs: 5 * D })).map((c) => c.kind)).toEqual(['becomes-dormant']);
    const kinds = diff(running({ timeTilDormantMs: 30 * D }), running({ timeTilDormantMs: 2 * D, timeTilDormantAutodeleteMs: 3 * D }));
    expect(kinds.map((c) => c.kind)).toEqual(['becomes-dormant', 'deleted']);
    expect(kinds[0]!.rule).toMatch(/^dormancy: last used 2024-01-01T10:00:00.000Z, more than 2d before tick /);
  });

  it('allowed days moving an autostart (Tuesday 2024-01-02 no longer allowed): it starts, and so stops, a day later', () => {
    const changes = diff(running(), running({ autostartAllowedDays: ['monday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] }));
    expect(changes.map((c) => c.kind)).toEqual(['stops-later', 'autostart-moves']);
    expect(changes[1]).toMatchObject({ kind: 'autostart-moves', before: at('2024-01-02T09:00:00Z'), after: at('2024-01-03T09:00:00Z') });
  });

  it('no change, no difference', () => {
    expect(diff(running(), running({ requireActiveVersion: true }))).toEqual([]);
  });
});

describe('policyChangeReaches: the dry-run skips only workspaces whose projection cannot change', () => {
  const SCHEDULES = [null, '0 9 * * *', 'CRON_TZ=Europe/Berlin 30 8 * * 1-5', 'CRON_TZ=Asia/Tokyo 0 23 * * 0,6'];
  const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const policy = (r: () => number): Partial<TemplatePolicy> => ({
    defaultTtlMs: pick(r, [0, 2 * H, 8 * H]),
    activityBumpMs: pick(r, [0, H]),
    allowUserAutostart: r() < 0.8,
    allowUserAutostop: r() < 0.6,
    autostartAllowedDays: pick(r, [
      [...ALL_WEEKDAYS],
      ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const,
      ['saturday'] as const,
    ]).slice(),
    failureTtlMs: pick(r, [0, H]),
    timeTilDormantMs: pick(r, [0, 2 * D, 10 * D, 60 * D]),
    timeTilDormantAutodeleteMs: pick(r, [0, D, 30 * D]),
    autostopNotifyBeforeMs: pick(r, [0, 30 * MIN]),
    requireActiveVersion: r() < 0.5,
    autostopRequirementDays: pick(r, [[], ['saturday'] as const]).slice(),
  });

  it('on 400 random workspaces and policy pairs, "does not reach" always means the same events', () => {
    const r = seededRandom(24);
    const from = at('2024-03-28T00:00:00Z');
    const until = plus(from, 14 * D);
    let skipped = 0;
    for (let i = 0; i < 400; i++) {
      const base = snapshot({
        workspace: {
          autostartSchedule: pick(r, SCHEDULES),
          ttlMs: pick(r, [null, H, 8 * H]),
          lastUsedAt: plus(from, -Math.floor(r() * 20 * D)),
          nextStartAt: null,
        },
        template: policy(r),
        latestBuild: { transition: pick(r, ['start', 'stop'] as const), deadline: r() < 0.5 ? plus(from, 3 * H) : null },
        latestJob: { status: r() < 0.1 ? 'failed' : 'succeeded' },
      });
      // Change one to three options at random.
      const other = policy(r);
      const keys = Object.keys(other) as Array<keyof TemplatePolicy>;
      const changed: Partial<TemplatePolicy> = {};
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
        const k = pick(r, keys);
        (changed as Record<string, unknown>)[k] = other[k];
      }
      const proposed = { ...base, template: { ...base.template, ...changed } };
      if (policyChangeReaches(base, proposed, from, until)) continue;
      skipped++;
      expect(sameEvents(project(base, from, until, Q), project(proposed, from, until, Q)), JSON.stringify(changed)).toBe(true);
    }
    expect(skipped).toBeGreaterThan(50);
  });

  it('an option it does not know always reaches', () => {
    const s = snapshot();
    const proposed = { ...s, template: { ...s.template, autodeleteNotifyBeforeMs: D } };
    expect(policyChangeReaches(s, proposed, at('2024-01-01T00:00:00Z'), at('2024-01-02T00:00:00Z'))).toBe(true);
  });
});

it('decide agrees with every projected event at its tick (a spot check)', () => {
  const s = snapshot({ workspace: { ttlMs: H }, latestBuild: { deadline: at('2024-01-01T11:00:00Z') } });
  const p = project(s, at('2024-01-01T10:30:00Z'), at('2024-01-02T00:00:00Z'), Q);
  expect(p.events[0]!.rule).toBe(decide(s, p.events[0]!.at).explanation);
});

it('a projected event serialises as the plain event, its rule included (the sentence is written on first read)', () => {
  const s = snapshot({
    workspace: { autostartSchedule: 'CRON_TZ=UTC 0 9 * * *', ttlMs: 8 * H, nextStartAt: at('2024-01-02T09:00:00Z') },
    latestBuild: { transition: 'stop', createdAt: at('2024-01-01T17:00:00Z') },
  });
  const p = project(s, at('2024-01-02T00:00:00Z'), at('2024-01-03T00:00:00Z'), Q);
  expect(JSON.parse(JSON.stringify(p.events))).toEqual([
    {
      at: '2024-01-02T09:00:00.000Z',
      kind: 'start',
      transition: 'start',
      reason: 'autostart',
      rule: 'autostart: next autostart 2024-01-02T09:00:00.000Z is not after tick 2024-01-02T09:00:00.000Z',
    },
    {
      at: '2024-01-02T17:01:00.000Z',
      kind: 'stop',
      transition: 'stop',
      reason: 'autostop',
      rule: 'autostop: deadline 2024-01-02T17:00:00.000Z passed before tick 2024-01-02T17:01:00.000Z',
    },
  ]);
});

it('the autodelete warning comes once, its notice before deleting_at, then the deletion', () => {
  const s = snapshot({
    workspace: { dormantAt: at('2024-01-01T00:00:00Z'), deletingAt: at('2024-01-05T00:00:00Z') },
    template: { timeTilDormantMs: D, timeTilDormantAutodeleteMs: 4 * D, autodeleteNotifyBeforeMs: 2 * D },
    latestBuild: { transition: 'stop' },
  });
  const p = project(s, at('2024-01-02T00:00:00Z'), at('2024-01-10T00:00:00Z'), Q);
  expect(lines(p)).toEqual(['2024-01-03T00:00:00.000Z delete-warning', '2024-01-05T00:01:00.000Z delete delete/autodelete']);
  expect(p.events[0]!.rule).toMatch(/^autodelete warning: /);
});
