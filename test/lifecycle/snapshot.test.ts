import { describe, expect, it } from 'vitest';
import { snapshotFromJson, snapshotToJson, type WorkspaceSnapshotJson } from '../../src/lifecycle/index.js';
import { at, snapshot } from './fixtures.js';

describe('snapshot JSON crossing', () => {
  const full = snapshot({
    workspace: {
      autostartSchedule: 'CRON_TZ=Europe/Berlin 0 9 * * 1-5',
      ttlMs: 3_600_000,
      dormantAt: at('2024-01-02T00:00:00Z'),
      deletingAt: at('2024-01-09T00:00:00Z'),
      nextStartAt: at('2024-01-03T08:00:00Z'),
    },
    template: { autostopRequirementDays: ['saturday'] },
    latestBuild: {
      deadline: at('2024-01-01T18:00:00Z'),
      maxDeadline: at('2024-01-02T00:00:00Z'),
      notifiedAutostopDeadline: at('2024-01-01T18:00:00Z'),
    },
    latestJob: { canceledAt: at('2024-01-01T10:00:30Z') },
  });

  it.each([
    { name: 'every instant set', value: full },
    { name: 'every optional instant null', value: snapshot() },
  ])('round-trips through JSON text: $name', ({ value }) => {
    const text = JSON.stringify(snapshotToJson(value));
    expect(snapshotFromJson(JSON.parse(text) as WorkspaceSnapshotJson)).toEqual(value);
  });

  it('writes instants as ISO-8601 strings and unset as null', () => {
    const json = snapshotToJson(snapshot());
    expect(json.workspace.lastUsedAt).toBe('2024-01-01T10:00:00.000Z');
    expect(json.workspace.dormantAt).toBeNull();
    expect(json.latestBuild.deadline).toBeNull();
  });

  it('does not share arrays with the original', () => {
    const value = snapshot();
    const json = snapshotToJson(value);
    json.template.autostartAllowedDays.pop();
    expect(value.template.autostartAllowedDays).toHaveLength(7);
  });

  it('rejects a value that is not an instant', () => {
    const json = snapshotToJson(snapshot());
    json.latestBuild.createdAt = 'yesterday';
    expect(() => snapshotFromJson(json)).toThrow(/latestBuild\.createdAt is not an ISO-8601 instant/);
  });
});
