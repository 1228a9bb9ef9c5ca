// Test-only workflow: the pure core evaluated inside Temporal's workflow sandbox.
import {
  computeAutostop,
  decide,
  nextAllowedAutostart,
  parseWeeklySchedule,
  snapshotFromJson,
  type WorkspaceSnapshotJson,
} from '../../../src/lifecycle/index.js';

export async function coreInSandbox(input: { snapshot: WorkspaceSnapshotJson; tick: string }) {
  const snapshot = snapshotFromJson(input.snapshot);
  const decision = decide(snapshot, new Date(input.tick));
  const chicago = parseWeeklySchedule('CRON_TZ=America/Chicago 30 2 * * *');
  const autostop = computeAutostop({
    completedAt: new Date('2023-02-08T00:00:00Z'),
    workspace: { ttlMs: null, autostartSchedule: null },
    template: { ...snapshot.template, autostopRequirementDays: ['saturday'], autostopRequirementWeeks: 1 },
    quietHoursSchedule: 'CRON_TZ=Australia/Sydney 0 0 * * *',
  });
  return {
    decision,
    springForward: chicago.next(new Date('2024-03-10T06:00:00Z')).toISOString(),
    nextAllowed: nextAllowedAutostart(chicago, new Date('2024-03-10T06:00:00Z'), ['monday']).toISOString(),
    maxDeadline: autostop.maxDeadline?.toISOString() ?? null,
    // The SDK deep-freezes the exports of the modules it preloads and shares between runs
    // (src/workflow-bundle.ts PRELOADED_MODULES); a module loaded per run is not frozen.
    shared: Object.isFrozen(decide),
  };
}
