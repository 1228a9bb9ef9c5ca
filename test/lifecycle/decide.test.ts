import { describe, expect, it } from 'vitest';
import { autostartBlockReason, type Decision, decide } from '../../src/lifecycle/index.js';
import { at, D, H, MIN, plus, type SnapshotOverrides, snapshot } from './fixtures.js';

interface Case {
  name: string;
  given: SnapshotOverrides;
  tick: string;
  want: Partial<Decision>;
}

const STOP_AUTOSTOP = { transition: 'stop', reason: 'autostop', markDormant: false } as const;
const START_AUTOSTART = { transition: 'start', reason: 'autostart', markDormant: false } as const;
const NOTHING = { transition: null, reason: null, markDormant: false, remind: false } as const;

function table(cases: Case[]) {
  it.each(cases)('$name', ({ given, tick, want }) => {
    expect(decide(snapshot(given), at(tick))).toMatchObject(want);
  });
}

describe('autostop', () => {
  const running = (deadline: string, extra: SnapshotOverrides = {}): SnapshotOverrides => ({
    ...extra,
    latestBuild: { deadline: at(deadline), ...extra.latestBuild },
  });
  table([
    {
      name: 'autostop: deadline one minute before tick stops',
      given: running('2024-01-01T18:00:00Z'),
      tick: '2024-01-01T18:01:00Z',
      want: STOP_AUTOSTOP,
    },
    {
      name: 'autostop: deadline equal to tick does not stop until next minute (strict)',
      given: running('2024-01-01T18:00:00Z'),
      tick: '2024-01-01T18:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostop: deadline one minute after tick does not stop',
      given: running('2024-01-01T18:01:00Z'),
      tick: '2024-01-01T18:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostop: tick is truncated to the minute (18:00:59 is the 18:00 tick)',
      given: running('2024-01-01T18:00:00Z'),
      tick: '2024-01-01T18:00:59Z',
      want: NOTHING,
    },
    {
      name: 'autostop: deadline with seconds passed before the minute tick stops',
      given: running('2024-01-01T18:00:30Z'),
      tick: '2024-01-01T18:01:00Z',
      want: STOP_AUTOSTOP,
    },
    { name: 'autostop: no deadline never stops', given: {}, tick: '2030-01-01T00:00:00Z', want: NOTHING },
    {
      name: 'autostop: suspended owner stops a running workspace whatever the time',
      given: { owner: { status: 'suspended' } },
      tick: '2024-01-01T10:05:00Z',
      want: STOP_AUTOSTOP,
    },
    {
      name: 'autostop: suspended owner of a stopped workspace is not stopped again',
      given: { owner: { status: 'suspended' }, latestBuild: { transition: 'stop' } },
      tick: '2024-01-01T10:05:00Z',
      want: NOTHING,
    },
    {
      name: 'autostop: dormant owner (not suspended) is not stopped for its status: running without a deadline stays running',
      given: { owner: { status: 'dormant' } },
      tick: '2024-01-01T10:05:00Z',
      want: NOTHING,
    },
    {
      name: 'autostop: dormant owner (not suspended) past its deadline is still stopped by the deadline rule',
      given: running('2024-01-01T18:00:00Z', { owner: { status: 'dormant' } }),
      tick: '2024-01-01T18:01:00Z',
      want: STOP_AUTOSTOP,
    },
    {
      name: 'autostop: failed latest job blocks autostop',
      given: running('2024-01-01T18:00:00Z', { latestJob: { status: 'failed' } }),
      tick: '2024-01-01T19:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostop: canceled latest job does not block autostop',
      given: running('2024-01-01T18:00:00Z', { latestJob: { status: 'canceled' } }),
      tick: '2024-01-01T19:00:00Z',
      want: STOP_AUTOSTOP,
    },
    {
      name: 'autostop: running job does not block the decision (the build step refuses)',
      given: running('2024-01-01T18:00:00Z', { latestJob: { status: 'running', completedAt: null } }),
      tick: '2024-01-01T19:00:00Z',
      want: STOP_AUTOSTOP,
    },
    {
      name: 'autostop: dormant workspace past its deadline is not autostopped',
      given: running('2024-01-01T18:00:00Z', { workspace: { dormantAt: at('2024-01-01T12:00:00Z') } }),
      tick: '2024-01-01T19:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostop: stopped workspace with a past deadline is not stopped',
      given: running('2024-01-01T18:00:00Z', { latestBuild: { transition: 'stop' } }),
      tick: '2024-01-01T19:00:00Z',
      want: NOTHING,
    },
  ]);

  it('autostop: explanation names the rule and both instants in ISO UTC', () => {
    const decision = decide(snapshot({ latestBuild: { deadline: at('2024-01-01T18:00:00Z') } }), at('2024-01-01T18:01:00Z'));
    expect(decision.explanation).toBe('autostop: deadline 2024-01-01T18:00:00.000Z passed before tick 2024-01-01T18:01:00.000Z');
  });
});

describe('autostart', () => {
  // Stopped by a build at 2024-01-01T10:00Z (Monday); the schedule fires daily at 09:00 UTC.
  const stopped = (extra: SnapshotOverrides = {}): SnapshotOverrides => ({
    ...extra,
    workspace: { autostartSchedule: '0 9 * * *', nextStartAt: at('2024-01-02T09:00:00Z'), ...extra.workspace },
    latestBuild: { transition: 'stop', ...extra.latestBuild },
    latestJob: { ...extra.latestJob },
  });
  table([
    {
      name: 'autostart: tick equal to next autostart starts (inclusive)',
      given: stopped(),
      tick: '2024-01-02T09:00:00Z',
      want: START_AUTOSTART,
    },
    { name: 'autostart: one minute before next autostart does not start', given: stopped(), tick: '2024-01-02T08:59:00Z', want: NOTHING },
    {
      name: 'autostart: one minute after next autostart starts (missed tick caught up)',
      given: stopped(),
      tick: '2024-01-02T09:01:00Z',
      want: START_AUTOSTART,
    },
    {
      name: 'autostart: NULL next_start_at is recomputed from the tick, so not on that tick',
      given: stopped({ workspace: { nextStartAt: null } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: next_start_at later than the first occurrence after the build wins',
      given: stopped({ workspace: { nextStartAt: at('2024-01-03T09:00:00Z') } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: stale next_start_at before the build does not start before the occurrence after the build',
      given: stopped({ workspace: { nextStartAt: at('2024-01-01T09:00:00Z') } }),
      tick: '2024-01-01T12:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: occurrence on a disallowed day is skipped (Tuesday not allowed)',
      given: stopped({ template: { autostartAllowedDays: ['wednesday'] } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: next allowed day starts (Wednesday allowed)',
      given: stopped({ template: { autostartAllowedDays: ['wednesday'] }, workspace: { nextStartAt: at('2024-01-03T09:00:00Z') } }),
      tick: '2024-01-03T09:00:00Z',
      want: START_AUTOSTART,
    },
    {
      name: 'autostart: suspended owner is not started',
      given: stopped({ owner: { status: 'suspended' } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: dormant owner is not started',
      given: stopped({ owner: { status: 'dormant' } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: failed latest job blocks autostart',
      given: stopped({ latestJob: { status: 'failed' } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: canceled latest job does not block autostart',
      given: stopped({ latestJob: { status: 'canceled' } }),
      tick: '2024-01-02T09:00:00Z',
      want: START_AUTOSTART,
    },
    {
      name: 'autostart: dormant workspace is never autostarted',
      given: stopped({ workspace: { dormantAt: at('2024-01-01T12:00:00Z') } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: running workspace is not started',
      given: stopped({ latestBuild: { transition: 'start' } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: template that disallows autostart never starts',
      given: stopped({ template: { allowUserAutostart: false } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: no schedule never starts',
      given: stopped({ workspace: { autostartSchedule: null } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: invalid stored schedule is false, not a throw',
      given: stopped({ workspace: { autostartSchedule: '0 9 * * 7' } }),
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autostart: schedule with no allowed day is false, not a throw',
      given: stopped({ workspace: { autostartSchedule: '0 9 * * 1' }, template: { autostartAllowedDays: ['tuesday'] } }),
      tick: '2024-01-08T09:00:00Z',
      want: NOTHING,
    },
  ]);

  it('autostart: explanation says that an unset next_start_at was recomputed from the tick', () => {
    const decision = decide(snapshot(stopped({ workspace: { nextStartAt: null } })), at('2024-01-02T09:00:00Z'));
    expect(decision.explanation).toBe(
      'no rule matched: next_start_at (unset, recomputed from the tick as 2024-01-03T09:00:00.000Z) is after tick 2024-01-02T09:00:00.000Z',
    );
  });

  it('autostart: explanation names the next autostart when it fires', () => {
    expect(decide(snapshot(stopped()), at('2024-01-02T09:00:00Z')).explanation).toBe(
      'autostart: next autostart 2024-01-02T09:00:00.000Z is not after tick 2024-01-02T09:00:00.000Z',
    );
  });
});

describe('autostartBlockReason', () => {
  const source = (schedule: string | null, template: SnapshotOverrides['template'] = {}) =>
    snapshot({ workspace: { autostartSchedule: schedule }, template });
  it.each([
    { name: 'no schedule', given: source(null), want: /no autostart schedule/ },
    { name: 'schedule does not parse', given: source('0 9 * * 7'), want: /does not parse: .*day-of-week 7/ },
    {
      name: 'template disallows autostart',
      given: source('0 9 * * *', { allowUserAutostart: false }),
      want: /template disallows autostart/,
    },
    {
      name: 'no occurrence on an allowed day',
      given: source('0 9 * * sat,sun', { autostartAllowedDays: ['monday', 'friday'] }),
      want: /no occurrence on an allowed day \(mon,fri\)/,
    },
    {
      name: 'no allowed day at all',
      given: source('0 9 * * *', { autostartAllowedDays: [] }),
      want: /no occurrence on an allowed day \(none\)/,
    },
  ])('blocked: $name', ({ given, want }) => {
    expect(autostartBlockReason(given)).toMatch(want);
  });

  it('not blocked: schedule fires on an allowed day', () => {
    expect(autostartBlockReason(source('0 9 * * 1-5', { autostartAllowedDays: ['friday'] }))).toBeNull();
  });
});

describe('failed cleanup', () => {
  const failed = (transition: 'start' | 'stop' | 'delete', extra: SnapshotOverrides = {}): SnapshotOverrides => ({
    ...extra,
    template: { failureTtlMs: H, ...extra.template },
    latestBuild: { transition, ...extra.latestBuild },
    latestJob: { status: 'failed', completedAt: at('2024-01-01T10:00:00Z'), ...extra.latestJob },
  });
  table([
    {
      name: 'failed cleanup: failed start more than failure TTL ago is stopped',
      given: failed('start'),
      tick: '2024-01-01T11:01:00Z',
      want: STOP_AUTOSTOP,
    },
    {
      name: 'failed cleanup: exactly failure TTL after completion does not stop (strict)',
      given: failed('start'),
      tick: '2024-01-01T11:00:00Z',
      want: NOTHING,
    },
    {
      name: 'failed cleanup: one minute before failure TTL does not stop',
      given: failed('start'),
      tick: '2024-01-01T10:59:00Z',
      want: NOTHING,
    },
    { name: 'failed cleanup: failed stop is retried as a stop', given: failed('stop'), tick: '2024-01-01T11:01:00Z', want: STOP_AUTOSTOP },
    { name: 'failed cleanup: failed delete is not cleaned up', given: failed('delete'), tick: '2024-01-01T11:01:00Z', want: NOTHING },
    {
      name: 'failed cleanup: failure TTL 0 is off',
      given: failed('start', { template: { failureTtlMs: 0 } }),
      tick: '2024-02-01T00:00:00Z',
      want: NOTHING,
    },
    {
      name: 'failed cleanup: failed job without completion is not cleaned up',
      given: failed('start', { latestJob: { completedAt: null } }),
      tick: '2024-02-01T00:00:00Z',
      want: NOTHING,
    },
    {
      name: 'failed cleanup: succeeded job is not cleaned up',
      given: failed('stop', { latestJob: { status: 'succeeded' } }),
      tick: '2024-02-01T00:00:00Z',
      want: NOTHING,
    },
    {
      name: 'failed cleanup: applies to dormant workspaces too',
      given: failed('start', { workspace: { dormantAt: at('2024-01-01T09:00:00Z') } }),
      tick: '2024-01-01T11:01:00Z',
      want: STOP_AUTOSTOP,
    },
  ]);
});

describe('failed cleanup, then autostart resumes', () => {
  it('failed cleanup stops a failed start after the failure TTL, then autostart resumes at the next schedule occurrence', () => {
    // Daily 09:00 UTC schedule; the start build failed at 10:00 with a 1 h failure TTL.
    const failedStart = snapshot({
      workspace: { autostartSchedule: '0 9 * * *', nextStartAt: at('2024-01-02T09:00:00Z') },
      template: { failureTtlMs: H },
      latestBuild: { transition: 'start', createdAt: at('2024-01-01T10:00:00Z') },
      latestJob: { status: 'failed', completedAt: at('2024-01-01T10:00:00Z') },
    });
    expect(decide(failedStart, at('2024-01-01T11:00:00Z'))).toMatchObject(NOTHING);
    const cleanup = decide(failedStart, at('2024-01-01T11:01:00Z'));
    expect(cleanup).toMatchObject(STOP_AUTOSTOP);
    expect(cleanup.explanation).toMatch(/^failed cleanup: failed start build completed at 2024-01-01T10:00:00\.000Z, more than /);

    // The stop build made at that tick succeeds a minute later; next_start_at is recomputed from its completion.
    const stopped = {
      ...failedStart,
      workspace: { ...failedStart.workspace, nextStartAt: at('2024-01-02T09:00:00Z') },
      latestBuild: {
        ...failedStart.latestBuild,
        buildNumber: failedStart.latestBuild.buildNumber + 1,
        transition: 'stop' as const,
        createdAt: at('2024-01-01T11:01:00Z'),
      },
      latestJob: { status: 'succeeded' as const, completedAt: at('2024-01-01T11:02:00Z'), canceledAt: null },
    };
    expect(decide(stopped, at('2024-01-02T08:59:00Z'))).toMatchObject(NOTHING);
    expect(decide(stopped, at('2024-01-02T09:00:00Z'))).toMatchObject(START_AUTOSTART);
  });
});

describe('dormancy', () => {
  // Last used 2024-01-01T00:00Z, dormant after 7 days of inactivity.
  const idle = (extra: SnapshotOverrides = {}): SnapshotOverrides => ({
    ...extra,
    workspace: { lastUsedAt: at('2024-01-01T00:00:00Z'), ...extra.workspace },
    template: { timeTilDormantMs: 7 * D, ...extra.template },
  });
  const STOP_DORMANT = { transition: 'stop', reason: 'dormancy', markDormant: true } as const;
  const MARK_ONLY = { transition: null, reason: 'dormancy', markDormant: true } as const;
  table([
    {
      name: 'dormancy: running workspace idle longer than time_til_dormant is stopped and marked',
      given: idle(),
      tick: '2024-01-08T00:01:00Z',
      want: STOP_DORMANT,
    },
    { name: 'dormancy: idle exactly time_til_dormant is not dormant (strict)', given: idle(), tick: '2024-01-08T00:00:00Z', want: NOTHING },
    { name: 'dormancy: one minute before time_til_dormant is not dormant', given: idle(), tick: '2024-01-07T23:59:00Z', want: NOTHING },
    {
      name: 'dormancy: stopped workspace is only marked, without a build',
      given: idle({ latestBuild: { transition: 'stop' } }),
      tick: '2024-01-08T00:01:00Z',
      want: MARK_ONLY,
    },
    {
      name: 'dormancy: running workspace whose start failed is still stopped',
      given: idle({ latestJob: { status: 'failed' } }),
      tick: '2024-01-08T00:01:00Z',
      want: STOP_DORMANT,
    },
    {
      name: 'dormancy: deleted workspace (latest delete) is only marked',
      given: idle({ latestBuild: { transition: 'delete' } }),
      tick: '2024-01-08T00:01:00Z',
      want: MARK_ONLY,
    },
    {
      name: 'dormancy: already dormant is not marked again',
      given: idle({ workspace: { dormantAt: at('2024-01-05T00:00:00Z') } }),
      tick: '2024-02-01T00:00:00Z',
      want: NOTHING,
    },
    {
      name: 'dormancy: time_til_dormant 0 is off',
      given: idle({ template: { timeTilDormantMs: 0 } }),
      tick: '2025-01-01T00:00:00Z',
      want: NOTHING,
    },
  ]);
});

describe('autodelete', () => {
  const dormant = (extra: SnapshotOverrides = {}): SnapshotOverrides => ({
    ...extra,
    workspace: { dormantAt: at('2024-01-03T00:00:00Z'), deletingAt: at('2024-01-10T00:00:00Z'), ...extra.workspace },
    template: { timeTilDormantAutodeleteMs: 7 * D, ...extra.template },
    latestBuild: { transition: 'stop', ...extra.latestBuild },
  });
  const DELETE = { transition: 'delete', reason: 'autodelete', markDormant: false } as const;
  const failedDelete = (finished: string, by: 'completedAt' | 'canceledAt' = 'completedAt') =>
    dormant({
      latestBuild: { transition: 'delete' },
      latestJob: { status: 'failed', completedAt: null, canceledAt: null, [by]: at(finished) },
    });
  table([
    { name: 'autodelete: one minute after deleting_at deletes', given: dormant(), tick: '2024-01-10T00:01:00Z', want: DELETE },
    {
      name: 'autodelete: tick equal to deleting_at does not delete (strict)',
      given: dormant(),
      tick: '2024-01-10T00:00:00Z',
      want: NOTHING,
    },
    { name: 'autodelete: one minute before deleting_at does not delete', given: dormant(), tick: '2024-01-09T23:59:00Z', want: NOTHING },
    {
      name: 'autodelete: no deleting_at never deletes',
      given: dormant({ workspace: { deletingAt: null } }),
      tick: '2025-01-01T00:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autodelete: autodelete 0 is off even with deleting_at set',
      given: dormant({ template: { timeTilDormantAutodeleteMs: 0 } }),
      tick: '2025-01-01T00:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autodelete: not dormant never deletes',
      given: dormant({ workspace: { dormantAt: null } }),
      tick: '2025-01-01T00:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autodelete: dormant workspace still running is deleted directly',
      given: dormant({ latestBuild: { transition: 'start', deadline: at('2024-01-02T00:00:00Z') } }),
      tick: '2024-01-10T00:01:00Z',
      want: DELETE,
    },
    {
      name: 'autodelete: failed delete finished more than 24 h ago is retried',
      given: failedDelete('2024-01-10T00:00:00Z'),
      tick: '2024-01-11T00:01:00Z',
      want: DELETE,
    },
    {
      name: 'autodelete: failed delete finished exactly 24 h ago is not retried (strict)',
      given: failedDelete('2024-01-10T00:00:00Z'),
      tick: '2024-01-11T00:00:00Z',
      want: NOTHING,
    },
    {
      name: 'autodelete: failed delete finished 23h59m ago is not retried',
      given: failedDelete('2024-01-10T00:00:00Z'),
      tick: '2024-01-10T23:59:00Z',
      want: NOTHING,
    },
    {
      name: 'autodelete: failed delete without completed_at uses canceled_at',
      given: failedDelete('2024-01-10T00:00:00Z', 'canceledAt'),
      tick: '2024-01-11T00:01:00Z',
      want: DELETE,
    },
    {
      name: 'autodelete: canceled_at within 24 h blocks the retry',
      given: failedDelete('2024-01-10T12:00:00Z', 'canceledAt'),
      tick: '2024-01-11T00:01:00Z',
      want: NOTHING,
    },
  ]);
});

describe('precedence', () => {
  const inactive = { lastUsedAt: at('2024-01-01T00:00:00Z') };
  const dormancyOn = { timeTilDormantMs: 7 * D };
  table([
    {
      name: 'autostop beats dormancy: running, idle and past its deadline stops with reason autostop, not marked',
      given: { workspace: inactive, template: dormancyOn, latestBuild: { deadline: at('2024-01-08T12:00:00Z') } },
      tick: '2024-01-09T00:00:00Z',
      want: STOP_AUTOSTOP,
    },
    {
      name: 'autostop beats dormancy: then a later tick marks dormant without a build',
      given: { workspace: inactive, template: dormancyOn, latestBuild: { transition: 'stop', createdAt: at('2024-01-09T00:00:00Z') } },
      tick: '2024-01-09T00:05:00Z',
      want: { transition: null, reason: 'dormancy', markDormant: true },
    },
    {
      name: 'autostart beats dormancy: idle stopped workspace due to autostart starts',
      given: {
        workspace: { ...inactive, autostartSchedule: '0 9 * * *', nextStartAt: at('2024-01-09T09:00:00Z') },
        template: dormancyOn,
        latestBuild: { transition: 'stop', createdAt: at('2024-01-08T18:00:00Z') },
      },
      tick: '2024-01-09T09:00:00Z',
      want: START_AUTOSTART,
    },
    {
      name: 'failed cleanup beats dormancy: idle workspace with a failed start is stopped with reason autostop, not marked',
      given: {
        workspace: inactive,
        template: { ...dormancyOn, failureTtlMs: H },
        latestJob: { status: 'failed', completedAt: at('2024-01-08T00:00:00Z') },
      },
      tick: '2024-01-09T00:00:00Z',
      want: STOP_AUTOSTOP,
    },
    {
      name: 'failed cleanup beats autodelete: dormant workspace with a failed start is stopped before it is deleted',
      given: {
        workspace: { dormantAt: at('2024-01-01T00:00:00Z'), deletingAt: at('2024-01-02T00:00:00Z') },
        template: { failureTtlMs: H, timeTilDormantAutodeleteMs: D },
        latestJob: { status: 'failed', completedAt: at('2024-01-01T00:00:00Z') },
      },
      tick: '2024-01-03T00:00:00Z',
      want: STOP_AUTOSTOP,
    },
    {
      name: 'dormant workspace past its deadline is never autostopped',
      given: { workspace: { dormantAt: at('2024-01-01T12:00:00Z') }, latestBuild: { deadline: at('2024-01-01T13:00:00Z') } },
      tick: '2024-01-02T00:00:00Z',
      want: NOTHING,
    },
    {
      name: 'dormant workspace due to autostart is never autostarted',
      given: {
        workspace: { dormantAt: at('2024-01-01T12:00:00Z'), autostartSchedule: '0 9 * * *', nextStartAt: at('2024-01-02T09:00:00Z') },
        latestBuild: { transition: 'stop' },
      },
      tick: '2024-01-02T09:00:00Z',
      want: NOTHING,
    },
  ]);
});

describe('autostop reminder', () => {
  // Deadline 18:30, reminder 30 min before; owner last active long ago.
  const reminding = (extra: SnapshotOverrides = {}): SnapshotOverrides => ({
    ...extra,
    template: { autostopNotifyBeforeMs: 30 * MIN, ...extra.template },
    latestBuild: { deadline: at('2024-01-01T18:30:00Z'), ...extra.latestBuild },
    workspace: { lastUsedAt: at('2024-01-01T12:00:00Z'), ...extra.workspace },
  });
  const REMIND = { ...NOTHING, remind: true };
  const tick = '2024-01-01T18:10:00Z';
  table([
    {
      name: 'reminder: deadline exactly notify_before after tick reminds (inclusive)',
      given: reminding(),
      tick: '2024-01-01T18:00:00Z',
      want: REMIND,
    },
    {
      name: 'reminder: deadline one minute more than notify_before away does not remind',
      given: reminding(),
      tick: '2024-01-01T17:59:00Z',
      want: NOTHING,
    },
    { name: 'reminder: one minute before the deadline reminds', given: reminding(), tick: '2024-01-01T18:29:00Z', want: REMIND },
    {
      name: 'reminder: deadline equal to tick does not remind (deadline > T)',
      given: reminding(),
      tick: '2024-01-01T18:30:00Z',
      want: NOTHING,
    },
    {
      name: 'reminder: already reminded for this deadline is not repeated',
      given: reminding({ latestBuild: { notifiedAutostopDeadline: at('2024-01-01T18:30:00Z') } }),
      tick,
      want: NOTHING,
    },
    {
      name: 'reminder: a moved deadline re-arms the reminder',
      given: reminding({ latestBuild: { notifiedAutostopDeadline: at('2024-01-01T17:30:00Z') } }),
      tick,
      want: REMIND,
    },
    { name: 'reminder: notify_before 0 is off', given: reminding({ template: { autostopNotifyBeforeMs: 0 } }), tick, want: NOTHING },
    {
      name: 'reminder: only for a succeeded start (running job)',
      given: reminding({ latestJob: { status: 'running', completedAt: null } }),
      tick,
      want: NOTHING,
    },
    { name: 'reminder: not for a stopped workspace', given: reminding({ latestBuild: { transition: 'stop' } }), tick, want: NOTHING },
    {
      name: 'reminder: not for a dormant workspace',
      given: reminding({ workspace: { dormantAt: at('2024-01-01T12:00:00Z') } }),
      tick,
      want: NOTHING,
    },
    {
      name: 'reminder: suspended owner is stopped instead of reminded',
      given: reminding({ owner: { status: 'suspended' } }),
      tick,
      want: { ...STOP_AUTOSTOP, remind: false },
    },
    {
      name: 'reminder: not when a rule matched (dormancy due in the same tick)',
      given: reminding({ template: { timeTilDormantMs: H } }),
      tick,
      want: { transition: 'stop', reason: 'dormancy', remind: false },
    },
    {
      name: 'reminder: active user (14 min ago) with a bumpable deadline is not reminded',
      given: reminding({ workspace: { lastUsedAt: at('2024-01-01T17:56:00Z') } }),
      tick,
      want: NOTHING,
    },
    {
      name: 'reminder: user last active exactly 15 min ago is reminded',
      given: reminding({ workspace: { lastUsedAt: at('2024-01-01T17:55:00Z') } }),
      tick,
      want: REMIND,
    },
    {
      name: 'reminder: active user is reminded when activity bump is off',
      given: reminding({ workspace: { lastUsedAt: at('2024-01-01T18:05:00Z') }, template: { activityBumpMs: 0 } }),
      tick,
      want: REMIND,
    },
    {
      name: 'reminder: active user is reminded when max_deadline equals tick + notify_before',
      given: reminding({ workspace: { lastUsedAt: at('2024-01-01T18:05:00Z') }, latestBuild: { maxDeadline: at('2024-01-01T18:40:00Z') } }),
      tick,
      want: REMIND,
    },
    {
      name: 'reminder: active user is not reminded when max_deadline is one minute beyond the window',
      given: reminding({ workspace: { lastUsedAt: at('2024-01-01T18:05:00Z') }, latestBuild: { maxDeadline: at('2024-01-01T18:41:00Z') } }),
      tick,
      want: NOTHING,
    },
  ]);

  it('reminder: explanation names the deadline and the tick', () => {
    const decision = decide(snapshot(reminding()), at('2024-01-01T18:00:00Z'));
    expect(decision.explanation).toMatch(
      /^autostop reminder: deadline 2024-01-01T18:30:00\.000Z is within 30m after tick 2024-01-01T18:00:00\.000Z \(no rule matched: /,
    );
  });
});

describe('explanations when nothing happens', () => {
  it.each([
    {
      name: 'running without a deadline',
      given: {},
      want: 'no rule matched: the running build has no deadline',
    },
    {
      name: 'running with dormancy on says both what autostop and dormancy compared',
      given: { template: { timeTilDormantMs: 7 * D }, latestBuild: { deadline: at('2024-01-01T18:00:00Z') } },
      want: 'no rule matched: deadline 2024-01-01T18:00:00.000Z is not before tick 2024-01-01T12:00:00.000Z, and last used 2024-01-01T10:00:00.000Z, not more than 7d before tick 2024-01-01T12:00:00.000Z',
    },
    {
      name: 'dormant waiting for deletion',
      given: {
        workspace: { dormantAt: at('2024-01-01T11:00:00Z'), deletingAt: at('2024-01-08T11:00:00Z') },
        template: { timeTilDormantAutodeleteMs: 7 * D },
      },
      want: 'no rule matched: deleting_at 2024-01-08T11:00:00.000Z is not before tick 2024-01-01T12:00:00.000Z',
    },
    {
      name: 'stopped without a schedule',
      given: { latestBuild: { transition: 'stop' } },
      want: 'no rule matched: no autostart schedule is set',
    },
  ] as { name: string; given: SnapshotOverrides; want: string }[])('nothing: $name', ({ given, want }) => {
    expect(decide(snapshot(given), at('2024-01-01T12:00:00Z')).explanation).toBe(want);
  });

  it('nothing: the explanation is one sentence with ISO instants', () => {
    const { explanation } = decide(
      snapshot({ latestBuild: { deadline: plus(at('2024-01-01T12:00:00Z'), H) } }),
      at('2024-01-01T12:00:00Z'),
    );
    expect(explanation).not.toContain('\n');
    expect(explanation).toContain('2024-01-01T13:00:00.000Z');
  });
});
