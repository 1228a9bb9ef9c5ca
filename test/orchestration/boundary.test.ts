// Data crosses the workflow/activity boundary as plain JSON with ISO instants:
// through the real payload converter, a snapshot comes back equal only via
// the core's snapshotToJson/snapshotFromJson pair.
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { snapshotFromJson, snapshotToJson } from '../../src/lifecycle/index.js';
import { emptyStats, record, SAMPLE_CAP } from '../../src/workflows/tick-stats.js';
import { snapshot } from '../lifecycle/fixtures.js';

const through = <T>(value: T): T => defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(value)) as T;

describe('the workflow/activity boundary', () => {
  const s = snapshot({
    workspace: {
      autostartSchedule: 'CRON_TZ=Europe/Paris 0 9 * * 1-5',
      dormantAt: new Date('2024-01-02T03:04:05.678Z'),
      nextStartAt: null,
    },
    latestBuild: { deadline: new Date('2024-01-01T18:00:00Z'), maxDeadline: null },
  });

  it('a snapshot round-trips through the default payload converter via snapshotToJson/snapshotFromJson', () => {
    expect(snapshotFromJson(through(snapshotToJson(s)))).toEqual(s);
  });

  it('without the pair, the converter would hand the workflow strings where the core expects Dates', () => {
    const raw = through(s);
    expect(typeof raw.workspace.lastUsedAt).toBe('string');
    expect(raw).not.toEqual(s);
  });
});

describe('tick statistics', () => {
  it('stay bounded: at most SAMPLE_CAP ids per outcome and error messages, whatever the count', () => {
    const stats = emptyStats('2024-01-01T09:00:00.000Z', '2024-01-01T09:00:01.000Z');
    const base = { tick: stats.tick, decision: null, markedDormant: false, reminded: false, skipped: null, error: null };
    for (let i = 0; i < 1000; i++) {
      record(stats, { ...base, workspaceId: `w${i}`, kind: 'transition', buildNumber: 2, transition: 'start', reason: 'autostart' });
      record(stats, { ...base, workspaceId: `e${i}`, kind: 'error', buildNumber: null, transition: null, reason: null, error: 'boom' });
    }
    expect(stats.transitions).toEqual({ 'start/autostart': 1000 });
    expect(stats.errors).toBe(1000);
    expect(stats.samples.transitions['start/autostart']).toHaveLength(SAMPLE_CAP);
    expect(stats.samples.errors).toHaveLength(SAMPLE_CAP);
    expect(JSON.stringify(stats).length).toBeLessThan(20_000);
  });
});
