// docs/rules.md#catch-up-after-downtime: an autostart that fell due while the engine was down
// starts or is skipped by the template's catch-up policy; autostop, dormancy and deletion always catch up.
import { describe, expect, it } from 'vitest';
import { CATCHUP_GRACE_MS, type CatchupPolicy, type Decision, decide } from '../../src/lifecycle/index.js';
import { at, D, H, MIN, plus, type SnapshotOverrides, snapshot } from './fixtures.js';

/** The autostart of a stopped workspace falls due at 09:00 (a Tuesday); the engine last completed a tick at 08:40. */
const DUE = at('2026-12-08T09:00:00Z');
const LAST = at('2026-12-08T08:40:00Z');

interface Case {
  name: string;
  catchup?: CatchupPolicy;
  windowMs?: number;
  /** The last completed tick; null = unknown. Default LAST. */
  last?: Date | null;
  /** T − DUE. */
  late: number;
  want: 'start' | 'skip';
}

function given(c: Pick<Case, 'catchup' | 'windowMs' | 'last'>, extra: SnapshotOverrides = {}) {
  const template = c.catchup === undefined ? {} : { catchup: c.catchup, catchupWindowMs: c.windowMs ?? 0 };
  const s = snapshot({
    ...extra,
    workspace: { autostartSchedule: '0 9 * * *', nextStartAt: DUE, lastUsedAt: plus(DUE, -D), ...extra.workspace },
    template: { ...template, ...extra.template },
    latestBuild: { transition: 'stop', createdAt: plus(DUE, -D), ...extra.latestBuild },
  });
  const last = c.last === undefined ? LAST : c.last;
  return last === null ? s : { ...s, lastCompletedTick: last };
}

const START = { transition: 'start', reason: 'autostart', markDormant: false } as const;
const SKIP: Partial<Decision> = { transition: null, reason: null, markDormant: false, remind: false, catchupSkipped: true };

describe('catch-up after downtime: which autostarts that fell due while down still start', () => {
  const cases: Case[] = [
    { name: 'absent policy (all): an hour late starts, as Coder does', late: H, want: 'start' },
    { name: 'all: an hour late starts', catchup: 'all', late: H, want: 'start' },
    { name: 'all: thirty days late starts', catchup: 'all', late: 30 * D, want: 'start' },
    { name: 'none: an hour late is skipped', catchup: 'none', late: H, want: 'skip' },
    { name: 'none: exactly the grace late is skipped (grace edge, inclusive)', catchup: 'none', late: CATCHUP_GRACE_MS, want: 'skip' },
    {
      name: 'none: one minute less than the grace late starts (not downtime)',
      catchup: 'none',
      late: CATCHUP_GRACE_MS - MIN,
      want: 'start',
    },
    { name: 'none: on time starts', catchup: 'none', late: 0, want: 'start' },
    { name: 'none: last completed tick unknown starts (no limit)', catchup: 'none', last: null, late: H, want: 'start' },
    {
      name: 'none: last completed tick equal to the due instant starts (the engine was up then)',
      catchup: 'none',
      last: DUE,
      late: H,
      want: 'start',
    },
    { name: 'none: last completed tick after the due instant starts', catchup: 'none', last: plus(DUE, 10 * MIN), late: H, want: 'start' },
    { name: 'latest 30m: an hour late is skipped', catchup: 'latest', windowMs: 30 * MIN, late: H, want: 'skip' },
    { name: 'latest 90m: an hour late starts', catchup: 'latest', windowMs: 90 * MIN, late: H, want: 'start' },
    { name: 'latest 1h: exactly the window late starts (window edge, inclusive)', catchup: 'latest', windowMs: H, late: H, want: 'start' },
    { name: 'latest 1h: one minute past the window is skipped', catchup: 'latest', windowMs: H, late: H + MIN, want: 'skip' },
    { name: 'latest 1m: within the grace starts (not downtime)', catchup: 'latest', windowMs: MIN, late: 2 * MIN, want: 'start' },
    { name: 'latest 1m: past the grace and the window is skipped', catchup: 'latest', windowMs: MIN, late: CATCHUP_GRACE_MS, want: 'skip' },
  ];
  it.each(cases)('$name', (c) => {
    const decision = decide(given(c), plus(DUE, c.late));
    if (c.want === 'start') {
      expect(decision).toMatchObject(START);
      expect(decision).not.toHaveProperty('catchupSkipped');
    } else {
      expect(decision).toMatchObject(SKIP);
    }
  });

  it('none: the explanation names the policy, the due instant, the last completed tick and the next autostart', () => {
    expect(decide(given({ catchup: 'none' }), at('2026-12-08T10:00:00Z')).explanation).toBe(
      'catch-up none: autostart due 2026-12-08T09:00:00.000Z fell due while the engine was down ' +
        '(last completed tick 2026-12-08T08:40:00.000Z); skipped, next autostart 2026-12-09T09:00:00.000Z',
    );
  });

  it('latest: a skip names the window; a start within it says so beside the autostart rule', () => {
    expect(decide(given({ catchup: 'latest', windowMs: 30 * MIN }), at('2026-12-08T10:00:00Z')).explanation).toBe(
      'catch-up latest: autostart due 2026-12-08T09:00:00.000Z fell due while the engine was down ' +
        '(last completed tick 2026-12-08T08:40:00.000Z), more than the window 30m before tick 2026-12-08T10:00:00.000Z; ' +
        'skipped, next autostart 2026-12-09T09:00:00.000Z',
    );
    expect(decide(given({ catchup: 'latest', windowMs: 90 * MIN }), at('2026-12-08T10:00:00Z')).explanation).toBe(
      'autostart: next autostart 2026-12-08T09:00:00.000Z is not after tick 2026-12-08T10:00:00.000Z ' +
        '(catch-up latest: autostart due 2026-12-08T09:00:00.000Z fell due while the engine was down ' +
        '(last completed tick 2026-12-08T08:40:00.000Z), within the window 1h30m before tick 2026-12-08T10:00:00.000Z)',
    );
  });

  it('all and absent: the explanation is exactly the autostart rule, as before the setting existed', () => {
    const T = at('2026-12-08T10:00:00Z');
    const before = decide(given({ last: null }), T);
    expect(decide(given({ catchup: 'all' }), T)).toEqual(before);
    expect(decide(given({}), T)).toEqual(before);
  });

  it('none: a skipped autostart does not hold back dormancy, which always catches up', () => {
    const s = given({ catchup: 'none' }, { template: { timeTilDormantMs: 7 * D }, workspace: { lastUsedAt: plus(DUE, -8 * D) } });
    expect(decide(s, plus(DUE, H))).toMatchObject({ transition: null, reason: 'dormancy', markDormant: true });
    expect(decide(s, plus(DUE, H))).not.toHaveProperty('catchupSkipped');
  });

  it('none: autostop of a running workspace whose deadline passed while down still happens', () => {
    const s = given(
      { catchup: 'none' },
      { latestBuild: { transition: 'start', createdAt: plus(DUE, -2 * H), deadline: plus(DUE, 10 * MIN) } },
    );
    expect(decide(s, plus(DUE, H))).toMatchObject({ transition: 'stop', reason: 'autostop' });
  });

  it('none: an autostart not yet due is not the policy’s business', () => {
    const d = decide(given({ catchup: 'none' }), plus(DUE, -MIN));
    expect(d).toMatchObject({ transition: null, reason: null });
    expect(d).not.toHaveProperty('catchupSkipped');
  });
});
