// The projection against the reliability suite's simulated clock: a seeded population
// with no activity and nobody acting, run minute by minute by the soak's oracle
// (bench/soak/oracle.ts, which the soak checks against the real engine), must make the
// builds and dormancy marks the projection predicts, at the same ticks.
import { describe, expect, it } from 'vitest';
import { type BuildKey, Oracle } from '../../bench/soak/oracle.js';
import { createRandom } from '../../bench/soak/random.js';
import { randomSchedule, ZONES } from '../../bench/soak/world.js';
import type { LoadedWorkspace } from '../../src/db/load-snapshot.js';
import { autostartCache, MINUTE, project, type TemplatePolicy, type WorkspaceSnapshot } from '../../src/lifecycle/index.js';
import { parseTemplateOptions } from '../../src/ops/index.js';
import { D, defaultTemplate, H } from './fixtures.js';

/** The soak's templates (bench/soak/world.ts), with the defaults of docs/rules.md#templates. */
const TEMPLATES: TemplatePolicy[] = [
  { defaultTtl: '8h', activityBump: '1h' },
  { defaultTtl: '4h', activityBump: '30m', timeTilDormant: '36h', timeTilDormantAutodelete: '24h', failureTtl: '2h' },
  {
    allowUserAutostop: false,
    defaultTtl: '6h',
    autostartAllowedDays: 'mon-fri',
    autostopRequirementDays: 'mon-fri',
    autostopNotifyBefore: '30m',
  },
  { defaultTtl: '10h', activityBump: '2h', autostopRequirementDays: 'sat', timeTilDormant: '3d', timeTilDormantAutodelete: '2d' },
  { defaultTtl: '2h', activityBump: '0', failureTtl: '1h', timeTilDormant: '2d' },
  { defaultTtl: '3h', allowUserAutostart: false },
].map((options) => ({ ...defaultTemplate, ...parseTemplateOptions(options) }));

const TTLS = [30 * MINUTE, H, 2 * H, 4 * H, 8 * H, 10 * H, 12 * H];

interface Seeded {
  loaded: LoadedWorkspace;
  failed: boolean;
}

/** 48 workspaces, stopped or running, some failed, some dormant, built and last used before `start`. */
function population(seed: number, start: Date): Seeded[] {
  const r = createRandom(seed, 1);
  const quiet = Array.from({ length: 12 }, () => (r.chance(0.4) ? `CRON_TZ=${r.pick(ZONES)} 0 ${r.int(0, 23)} * * *` : null));
  const suspended = Array.from({ length: 12 }, () => r.chance(0.1));
  return Array.from({ length: 48 }, (_, i) => {
    const templateIndex = r.int(0, TEMPLATES.length - 1);
    const template = TEMPLATES[templateIndex]!;
    const schedule = r.chance(0.8) ? randomSchedule(r) : null;
    const running = r.chance(0.3);
    const failed = r.chance(0.08);
    const dormant = !running && template.timeTilDormantMs > 0 && r.chance(0.15);
    const builtAt = new Date(start.getTime() - r.int(60, 30 * 60) * MINUTE);
    const dormantAt = dormant ? new Date(builtAt.getTime() + MINUTE) : null;
    const cache = autostartCache({ autostartSchedule: schedule, dormantAt }, template, builtAt);
    const ttl = r.chance(0.2) ? null : r.pick(TTLS);
    const snapshot: WorkspaceSnapshot = {
      workspace: {
        id: `w${String(i).padStart(2, '0')}`,
        autostartSchedule: schedule,
        ttlMs: ttl,
        lastUsedAt: new Date(start.getTime() - r.int(0, 3 * 24 * 60) * MINUTE),
        dormantAt,
        deletingAt:
          dormantAt !== null && template.timeTilDormantAutodeleteMs > 0
            ? new Date(dormantAt.getTime() + template.timeTilDormantAutodeleteMs)
            : null,
        nextStartAt: r.chance(0.2) ? null : cache.nextStartAt,
        automaticUpdates: 'never',
      },
      owner: { status: suspended[i % suspended.length] ? 'suspended' : 'active' },
      template,
      latestBuild: {
        buildNumber: 1,
        transition: running ? 'start' : 'stop',
        createdAt: builtAt,
        deadline: running && ttl !== null ? new Date(builtAt.getTime() + ttl) : null,
        maxDeadline: null,
        notifiedAutostopDeadline: null,
      },
      latestJob: { status: failed ? 'failed' : 'succeeded', completedAt: new Date(builtAt.getTime() + 20_000), canceledAt: null },
    };
    const ownerId = `u${i % quiet.length}`;
    const loaded = {
      snapshot,
      deleted: false,
      autostartBlocked: cache.autostartBlocked,
      ownerId,
      quietHoursSchedule: quiet[i % quiet.length]!,
      templateId: `t${templateIndex}`,
    } as LoadedWorkspace;
    return { loaded, failed };
  });
}

const key = (b: Pick<BuildKey, 'workspaceId' | 'transition' | 'reason' | 'createdAt'>) =>
  `${b.workspaceId} ${b.transition}/${b.reason} at ${b.createdAt.toISOString()}`;

describe('projection agrees with the soak oracle run minute by minute (no activity, nobody acting)', () => {
  // The soak's default start: Europe moves its clocks forward on the first day.
  for (const [seed, startIso] of [
    [7, '2027-03-28T00:00:00Z'],
    [24, '2026-10-24T18:00:00Z'],
  ] as const) {
    it(`seed ${seed}, 3 days from ${startIso}: the same builds and dormancy marks at the same ticks`, () => {
      const start = new Date(startIso);
      const until = new Date(start.getTime() + 3 * D);
      const seeded = population(seed, start);
      const oracle = new Oracle();
      for (const s of seeded) oracle.load(s.loaded);

      const dormantAt = new Map<string, string>();
      for (let T = start.getTime(); T < until.getTime(); T += MINUTE) {
        const tick = new Date(T);
        oracle.tick(tick);
        oracle.completeBuilds(tick); // builds complete at once, as the projection assumes
        for (const s of seeded) {
          const id = s.loaded.snapshot.workspace.id;
          const state = oracle.stateOf(id);
          if (state.dormantAt !== null && s.loaded.snapshot.workspace.dormantAt === null && !dormantAt.has(id)) {
            dormantAt.set(id, state.dormantAt.toISOString());
          }
        }
      }
      const expected = oracle.builds.map(key).sort();
      const projectedBuilds: string[] = [];
      const projectedMarks = new Map<string, string>();
      for (const s of seeded) {
        const { snapshot, quietHoursSchedule, autostartBlocked } = s.loaded;
        const p = project(snapshot, start, until, { quietHoursSchedule, autostartBlocked });
        expect(p.truncated).toBe(false);
        for (const e of p.events) {
          if (e.transition !== null) {
            projectedBuilds.push(key({ workspaceId: snapshot.workspace.id, transition: e.transition, reason: e.reason!, createdAt: e.at }));
          }
          if (e.kind === 'dormant') projectedMarks.set(snapshot.workspace.id, e.at.toISOString());
        }
      }
      expect(projectedBuilds.sort()).toEqual(expected);
      expect(Object.fromEntries([...projectedMarks].sort())).toEqual(Object.fromEntries([...dormantAt].sort()));
      // The population exercises every kind of build the engine makes.
      const kinds = new Set(oracle.builds.map((b) => `${b.transition}/${b.reason}`));
      expect([...kinds].sort()).toEqual(expect.arrayContaining(['start/autostart', 'stop/autostop']));
      expect(oracle.builds.length).toBeGreaterThan(40);
    });
  }
});
