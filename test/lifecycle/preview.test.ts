import { describe, expect, it } from 'vitest';
import { preview } from '../../src/lifecycle/index.js';
import { at, D, H, MIN, snapshot } from './fixtures.js';

const iso = (event: { at: Date } | null) => event?.at.toISOString() ?? null;

describe('preview', () => {
  it('running workspace: deadline, max deadline, reminder, dormancy and deletion', () => {
    const p = preview(
      snapshot({
        workspace: { lastUsedAt: at('2024-01-01T10:00:30Z') },
        template: { autostopNotifyBeforeMs: 30 * MIN, timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 30 * D },
        latestBuild: { deadline: at('2024-01-01T18:00:00Z'), maxDeadline: at('2024-01-02T00:00:00Z') },
      }),
      at('2024-01-01T12:00:45Z'),
    );
    expect({
      at: p.at.toISOString(),
      transition: p.decision.transition,
      nextAutostart: iso(p.nextAutostart),
      deadline: iso(p.deadline),
      maxDeadline: iso(p.maxDeadline),
      reminderAt: iso(p.reminderAt),
      dormantAt: iso(p.dormantAt),
      deletingAt: iso(p.deletingAt),
    }).toEqual({
      at: '2024-01-01T12:00:00.000Z',
      transition: null,
      nextAutostart: null,
      deadline: '2024-01-01T18:00:00.000Z',
      maxDeadline: '2024-01-02T00:00:00.000Z',
      reminderAt: '2024-01-01T17:30:00.000Z',
      dormantAt: '2024-01-08T10:01:00.000Z', // first tick strictly after last use + 7d
      deletingAt: '2024-02-07T10:01:00.000Z',
    });
    for (const event of [p.deadline, p.maxDeadline, p.reminderAt, p.dormantAt, p.deletingAt]) {
      expect(event?.rule).toMatch(/^[a-z ]+: [^\n]+$/);
    }
  });

  it('stopped workspace: next autostart is the later of next_start_at and the first allowed occurrence after the build', () => {
    const p = preview(
      snapshot({
        workspace: { autostartSchedule: 'CRON_TZ=Europe/Berlin 0 9 * * mon-fri', nextStartAt: null },
        latestBuild: { transition: 'stop', createdAt: at('2024-01-05T17:00:00Z') },
      }),
      at('2024-01-05T18:00:00Z'),
    );
    expect(iso(p.nextAutostart)).toBe('2024-01-08T08:00:00.000Z');
    expect(p.nextAutostart?.rule).toMatch(/^autostart: /);
    expect(p.deadline).toBeNull();
  });

  it('blocked autostart has no next autostart', () => {
    const p = preview(
      snapshot({
        workspace: { autostartSchedule: '0 9 * * *' },
        template: { allowUserAutostart: false },
        latestBuild: { transition: 'stop' },
      }),
      at('2024-01-05T18:00:00Z'),
    );
    expect(p.nextAutostart).toBeNull();
  });

  it('dormant workspace: stored dormant_at and deleting_at', () => {
    const p = preview(
      snapshot({
        workspace: { dormantAt: at('2024-01-02T00:00:00Z'), deletingAt: at('2024-01-09T00:00:00Z') },
        template: { timeTilDormantMs: D, timeTilDormantAutodeleteMs: 7 * D },
        latestBuild: { transition: 'stop' },
      }),
      at('2024-01-09T00:01:00Z'),
    );
    expect([iso(p.dormantAt), iso(p.deletingAt), p.decision.transition]).toEqual([
      '2024-01-02T00:00:00.000Z',
      '2024-01-09T00:00:00.000Z',
      'delete',
    ]);
  });

  it('reminder already sent for the current deadline says so', () => {
    const deadline = at('2024-01-01T18:00:00Z');
    const p = preview(
      snapshot({ template: { autostopNotifyBeforeMs: H }, latestBuild: { deadline, notifiedAutostopDeadline: deadline } }),
      at('2024-01-01T17:30:00Z'),
    );
    expect(p.reminderAt?.rule).toMatch(/already sent/);
  });
});
