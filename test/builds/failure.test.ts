// docs/rules.md#on-build-completion and docs/rules.md#applying-a-decision-the-build-transaction for failed builds: the job keeps its error, no deadline is
// set, and only a build the system made (reason ≠ initiator) notifies the owner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBuild } from '../../src/builds/start-build.js';
import { commitBuild } from '../helpers/builds.js';
import { type Harness, seed, startHarness, waitUntil } from './harness.js';

describe('a failing provisioner', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await seed(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the per-workspace failure switch fails the chosen transitions with its message; no deadline, no notification for a person’s build', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box', ttl: '1h' });
    await h.ops.waitForBuild(created.jobId, 20_000);
    await h.ops.workspaces.setSimulatedFailure('alice/box', ['start'], 'disk full');

    const stop = await h.ops.workspaces.stop('alice/box');
    expect((await h.ops.waitForBuild(stop.jobId, 20_000)).job.status).toBe('succeeded');
    const start = await h.ops.workspaces.start('alice/box');
    const failed = await h.ops.waitForBuild(start.jobId, 20_000);
    expect(failed.job).toMatchObject({ status: 'failed', error: 'disk full' });
    expect(failed.job.completedAt).not.toBeNull();
    expect(failed.deadline).toBeNull();
    expect(failed.maxDeadline).toBeNull();
    expect((await h.ops.workspaces.get('alice/box')).status).toBe('failed');
    expect((await h.db.pool.query('SELECT count(*)::int AS n FROM notifications')).rows[0].n).toBe(0);

    // A person may retry at once; with the switch off it succeeds.
    await h.ops.workspaces.setSimulatedFailure('alice/box', null);
    const retry = await h.ops.workspaces.start('alice/box');
    expect((await h.ops.waitForBuild(retry.jobId, 20_000)).job.status).toBe('succeeded');
  });

  it('a failed autobuild writes one "autobuild_failed" notification and delivers it after commit', async () => {
    const ws = await h.ops.workspaces.get('alice/box');
    await h.ops.workspaces.setSimulatedFailure('alice/box', ['stop'], 'provider quota exceeded');
    // The tick's build transaction, as src/engine does it: commit, then hand off.
    const build = await commitBuild(h.db.pool, {
      workspaceId: ws.id,
      transition: 'stop',
      reason: 'autostop',
      initiatorId: ws.owner.id,
      workflowId: 'evaluate/test',
      createdAt: null,
    });
    await startBuild(h.temporal.client, h.taskQueue, build.jobId);
    const done = await h.ops.waitForBuild(build.jobId, 20_000);
    expect(done).toMatchObject({ reason: 'autostop', workflowId: 'evaluate/test' });
    expect(done.job.status).toBe('failed');

    await waitUntil('the notification to be delivered', async () => h.delivered.length > 0);
    expect(h.delivered).toHaveLength(1);
    expect(h.delivered[0]).toMatchObject({
      kind: 'autobuild_failed',
      workspaceId: ws.id,
      userId: ws.owner.id,
      payload: {
        workspaceName: 'box',
        owner: 'alice',
        transition: 'stop',
        reason: 'autostop',
        jobId: build.jobId,
        error: 'provider quota exceeded',
      },
    });
    const { rows } = await h.db.pool.query('SELECT id, dedupe_key, delivered_at, attempts FROM notifications');
    expect(rows).toEqual([
      { id: h.delivered[0]!.id, dedupe_key: `autobuild_failed:${build.jobId}`, delivered_at: expect.any(Date), attempts: 1 },
    ]);
  });
});

describe('AUTOBUILD_SIMULATED_FAILURE_RATE', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ provisioning: { simulatedFailureRate: 1, simulatedDurationMs: 0 } });
    await seed(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a failure rate of 1 fails every build, with a message naming the rate', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box' });
    const build = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(build.job).toMatchObject({ status: 'failed', error: 'simulated provisioner failure (failure rate 1)' });
  });
});
