// docs/rules.md#autodelete-warning in the pure core: when `decide` asks for the warning before
// autodelete, what it says, and what `preview` shows. Off by default: nothing changes without it.
import { describe, expect, it } from 'vitest';
import { decide, preview } from '../../src/lifecycle/index.js';
import { at, D, type SnapshotOverrides, snapshot } from './fixtures.js';

// Dormant since 2024-01-01, deleted after 2024-01-31T12:00Z; warned 3 days before.
const DELETING_AT = at('2024-01-31T12:00:00Z');
const warning = (extra: SnapshotOverrides = {}): SnapshotOverrides => ({
  ...extra,
  template: { timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 30 * D, autodeleteNotifyBeforeMs: 3 * D, ...extra.template },
  workspace: {
    lastUsedAt: at('2023-12-20T12:00:00Z'),
    dormantAt: at('2024-01-01T12:00:00Z'),
    deletingAt: DELETING_AT,
    ...extra.workspace,
  },
  latestBuild: { transition: 'stop', ...extra.latestBuild },
});

interface Row {
  name: string;
  given: SnapshotOverrides;
  tick: string;
  warns: boolean;
}

const rows: Row[] = [
  {
    name: 'warning: deleting_at exactly notify_before after tick warns (inclusive)',
    given: warning(),
    tick: '2024-01-28T12:00:00Z',
    warns: true,
  },
  { name: 'warning: one minute earlier than notify_before does not warn', given: warning(), tick: '2024-01-28T11:59:00Z', warns: false },
  { name: 'warning: one minute before deleting_at warns', given: warning(), tick: '2024-01-31T11:59:00Z', warns: true },
  {
    name: 'warning: deleting_at equal to tick does not warn (deleting_at > T)',
    given: warning(),
    tick: '2024-01-31T12:00:00Z',
    warns: false,
  },
  {
    name: 'warning: already warned of this deleting_at is not repeated',
    given: warning({ workspace: { notifiedDeletingAt: DELETING_AT } }),
    tick: '2024-01-29T00:00:00Z',
    warns: false,
  },
  {
    name: 'warning: a new deleting_at (dormant again) re-arms the warning',
    given: warning({ workspace: { notifiedDeletingAt: at('2023-11-30T12:00:00Z') } }),
    tick: '2024-01-29T00:00:00Z',
    warns: true,
  },
  {
    name: 'warning: off by default (no autodelete_notify_before)',
    given: warning({ template: { autodeleteNotifyBeforeMs: undefined } }),
    tick: '2024-01-29T00:00:00Z',
    warns: false,
  },
  {
    name: 'warning: 0 is off',
    given: warning({ template: { autodeleteNotifyBeforeMs: 0 } }),
    tick: '2024-01-29T00:00:00Z',
    warns: false,
  },
  {
    name: 'warning: not for a workspace that is not dormant',
    given: warning({ workspace: { dormantAt: null, deletingAt: null, lastUsedAt: at('2024-01-28T12:00:00Z') } }),
    tick: '2024-01-29T00:00:00Z',
    warns: false,
  },
  {
    name: 'warning: not when autodelete is off',
    given: warning({ template: { timeTilDormantAutodeleteMs: 0 } }),
    tick: '2024-01-29T00:00:00Z',
    warns: false,
  },
  {
    name: 'warning: not for a dormant workspace without a deletion date',
    given: warning({ workspace: { deletingAt: null } }),
    tick: '2024-01-29T00:00:00Z',
    warns: false,
  },
];

describe('autodelete warning', () => {
  for (const row of rows) {
    it(row.name, () => {
      const d = decide(snapshot(row.given), at(row.tick));
      expect(d).toMatchObject({ transition: null, reason: null, markDormant: false, remind: false });
      if (row.warns) {
        expect(d.warnDelete).toBe(true);
        expect(d.explanation).toMatch(/^autodelete warning: deleting_at 2024-01-31T12:00:00\.000Z is within 3d after tick /);
      } else {
        // Absent, not false: a decision without the warning reads exactly as before.
        expect('warnDelete' in d).toBe(false);
        expect(d.explanation).not.toMatch(/autodelete warning/);
      }
    });
  }

  it('warning: past deleting_at, autodelete deletes instead (the rule wins)', () => {
    const d = decide(snapshot(warning()), at('2024-01-31T12:01:00Z'));
    expect(d).toMatchObject({ transition: 'delete', reason: 'autodelete' });
    expect('warnDelete' in d).toBe(false);
  });

  it('preview: the warning event appears only when the template turns it on, and says when it was sent', () => {
    const on = preview(snapshot(warning()), at('2024-01-20T00:00:00Z'));
    expect(on.deleteWarningAt).toEqual({
      at: at('2024-01-28T12:00:00Z'),
      rule: 'autodelete warning: 3d before deleting_at 2024-01-31T12:00:00.000Z',
    });
    const sent = preview(snapshot(warning({ workspace: { notifiedDeletingAt: DELETING_AT } })), at('2024-01-29T00:00:00Z'));
    expect(sent.deleteWarningAt?.rule).toBe('autodelete warning: already sent for deleting_at 2024-01-31T12:00:00.000Z');
    const off = preview(snapshot(warning({ template: { autodeleteNotifyBeforeMs: undefined } })), at('2024-01-20T00:00:00Z'));
    expect('deleteWarningAt' in off).toBe(false);
  });

  it('preview: a workspace not yet dormant gets the projected warning, before its projected deletion', () => {
    const p = preview(
      snapshot(warning({ workspace: { dormantAt: null, deletingAt: null, lastUsedAt: at('2024-01-01T00:00:00Z') } })),
      at('2024-01-02T00:00:00Z'),
    );
    expect(p.deletingAt?.at).toEqual(at('2024-02-07T00:01:00Z'));
    expect(p.deleteWarningAt?.at).toEqual(at('2024-02-04T00:01:00Z'));
    expect(p.deleteWarningAt!.at.getTime()).toBe(p.deletingAt!.at.getTime() - 3 * D);
  });
});
