// docs/rules.md#on-build-completion with AUTOBUILD_DEFAULT_QUIET_HOURS: a worker
// process configured by the environment, as `npm start` configures it, sets
// the max deadline of an owner without quiet hours by the deployment's
// default; an owner's own quiet hours still win.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { computeAutostop, DAY, HOUR } from '../../src/lifecycle/index.js';
import { cleanEnv, type Spawned, spawnEntry } from '../helpers/processes.js';
import { type Harness, startHarness } from './harness.js';

const TOKYO_3AM = 'CRON_TZ=Asia/Tokyo 0 3 * * *';

describe('the deployment default quiet hours (AUTOBUILD_DEFAULT_QUIET_HOURS)', () => {
  let h: Harness;
  let worker: Spawned | undefined;

  beforeAll(async () => {
    h = await startHarness({ noWorker: true });
    worker = spawnEntry(
      'test/builds/fixtures/worker-process.ts',
      [],
      cleanEnv({
        DATABASE_URL: h.db.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        AUTOBUILD_TASK_QUEUE: h.taskQueue,
        AUTOBUILD_SIMULATED_DURATION: '100ms',
        // Spelled with extra spaces: the worker normalizes it like a stored schedule.
        AUTOBUILD_DEFAULT_QUIET_HOURS: ` CRON_TZ=Asia/Tokyo  0 3 * * * `,
        LOG_LEVEL: 'info',
      }),
    );
    await worker.waitFor(/test worker ready/);
    await h.ops.templates.create({ name: 'strict', autostopRequirementDays: 'all', defaultTtl: '30d', allowUserAutostop: false });
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await worker?.exited;
    await h?.close();
  });

  it('an owner without quiet hours: the max deadline is the next 03:00 in Tokyo at least 2 hours after completion, and caps the deadline', async () => {
    await h.ops.users.create({ username: 'nobody-set' });
    const created = await h.ops.workspaces.create({ owner: 'nobody-set', template: 'strict', name: 'w' });
    const build = await h.ops.waitForBuild(created.jobId, 30_000);
    expect(build.job.status).toBe('succeeded');
    const completedAt = build.job.completedAt!;
    // 03:00 in Tokyo (UTC+9, no DST) is 18:00Z.
    expect(build.maxDeadline!.toISOString()).toMatch(/T18:00:00\.000Z$/);
    expect(build.maxDeadline!.getTime() - completedAt.getTime()).toBeGreaterThanOrEqual(HOUR);
    expect(build.maxDeadline!.getTime() - completedAt.getTime()).toBeLessThanOrEqual(DAY + 2 * HOUR);
    expect(build.deadline).toEqual(build.maxDeadline);
    // Exactly what the lifecycle core gives with that default.
    const strict = await h.ops.templates.get('strict');
    const expected = computeAutostop({
      completedAt,
      workspace: { ttlMs: null, autostartSchedule: null },
      template: strict.policy,
      quietHoursSchedule: null,
      defaultQuietHoursSchedule: TOKYO_3AM,
    });
    expect(build.maxDeadline).toEqual(expected.maxDeadline);
  });

  it("an owner's own quiet hours win over the default", async () => {
    await h.ops.users.create({ username: 'has-own', quietHoursSchedule: 'CRON_TZ=UTC 0 5 * * *' });
    const created = await h.ops.workspaces.create({ owner: 'has-own', template: 'strict', name: 'w' });
    const build = await h.ops.waitForBuild(created.jobId, 30_000);
    expect(build.maxDeadline!.toISOString()).toMatch(/T05:00:00\.000Z$/);
  });
});
