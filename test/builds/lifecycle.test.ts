// docs/rules.md#on-build-completion, docs/rules.md#other-changes, docs/rules.md#applying-a-decision-the-build-transaction, docs/rules.md#provisioning end to end with the simulated provisioner: every
// state change goes through the operations module and a real build workflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/lifecycle/index.js';
import { type Harness, jobLog, seed, startHarness } from './harness.js';

describe('workspace lifecycle with the simulated provisioner', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('create, stop, start, dormancy, delete: deadlines follow each completion, the delete marks the workspace deleted', async () => {
    await seed(h, { name: 'dev', timeTilDormantAutodelete: '2h' });
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box', ttl: '1h' });
    expect(created).toMatchObject({ workspace: 'alice/box', buildNumber: 1, transition: 'start', warning: null });

    // Created with a pending job; the workflow runs it to success.
    const first = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(first.job.status).toBe('succeeded');
    expect(first.reason).toBe('initiator');
    expect(first.workflowId).toBeNull();
    // docs/rules.md#on-build-completion: the deadline is the completion time (database clock) + TTL.
    expect(first.deadline!.getTime()).toBe(first.job.completedAt!.getTime() + HOUR);
    expect(first.maxDeadline).toBeNull();
    expect(first.job.startedAt!.getTime()).toBeGreaterThanOrEqual(first.job.createdAt.getTime());
    let ws = await h.ops.workspaces.get('alice/box');
    expect(ws.status).toBe('running');
    expect(ws.upcoming?.deadline?.at).toEqual(first.deadline);

    const stop = await h.ops.workspaces.stop('alice/box');
    const stopped = await h.ops.waitForBuild(stop.jobId, 20_000);
    expect(stopped).toMatchObject({ buildNumber: 2, transition: 'stop', deadline: null, maxDeadline: null });
    expect(stopped.job.status).toBe('succeeded');
    expect((await h.ops.workspaces.get('alice/box')).status).toBe('stopped');

    const start = await h.ops.workspaces.start('alice/box');
    const restarted = await h.ops.waitForBuild(start.jobId, 20_000);
    expect(restarted.deadline!.getTime()).toBe(restarted.job.completedAt!.getTime() + HOUR);

    const dormant = await h.ops.workspaces.setDormant('alice/box', true);
    expect(dormant.deletingAt!.getTime()).toBe(dormant.dormantAt!.getTime() + 2 * HOUR);
    ws = await h.ops.workspaces.get('alice/box');
    expect(ws.dormantAt).toEqual(dormant.dormantAt);
    expect(ws.upcoming?.deletingAt?.at).toEqual(dormant.deletingAt);

    const del = await h.ops.workspaces.delete('alice/box');
    const deleted = await h.ops.waitForBuild(del.jobId, 20_000);
    expect(deleted).toMatchObject({ buildNumber: 4, transition: 'delete', reason: 'initiator' });
    expect(deleted.job.status).toBe('succeeded');
    ws = await h.ops.workspaces.get('alice/box');
    expect(ws).toMatchObject({ deleted: true, status: 'deleted', upcoming: null });
    expect(await h.ops.workspaces.list()).toEqual({ items: [], nextCursor: null });
    expect((await h.ops.workspaces.list({ includeDeleted: true })).items.map((w) => w.status)).toEqual(['deleted']);
    expect((await h.ops.workspaces.history(ws.id)).map((b) => `${b.buildNumber}:${b.transition}:${b.job.status}`)).toEqual([
      '4:delete:succeeded',
      '3:start:succeeded',
      '2:stop:succeeded',
      '1:start:succeeded',
    ]);
    // The name is free again.
    const again = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box' });
    expect(again.workspaceId).not.toBe(ws.id);
    await h.ops.waitForBuild(again.jobId, 20_000);
  });

  it('the job log holds the provisioner output of each build', async () => {
    const [build] = await h.ops.workspaces.history('alice/box', { limit: 1 });
    const log = await jobLog(h, build!.job.id);
    expect(log).toMatch(/simulated start of alice\/box \(build #1, version v1, attempt 1\)/);
    expect(log).toMatch(/done/);
  });

  it('an autostop requirement caps the deadline at the max deadline computed at completion', async () => {
    await h.ops.templates.create({ name: 'strict', autostopRequirementDays: 'all', defaultTtl: '30d', allowUserAutostop: false });
    await h.ops.users.create({ username: 'bob', quietHoursSchedule: 'CRON_TZ=UTC 0 3 * * *' });
    const created = await h.ops.workspaces.create({ owner: 'bob', template: 'strict', name: 'w' });
    const build = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(build.maxDeadline).not.toBeNull();
    expect(build.maxDeadline!.getUTCHours()).toBe(3);
    expect(build.deadline).toEqual(build.maxDeadline);
    expect(build.maxDeadline!.getTime() - build.job.completedAt!.getTime()).toBeGreaterThanOrEqual(HOUR);
  });
});
