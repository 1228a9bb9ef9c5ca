// The job status rules (docs/rules.md#provisioner-jobs) for a person's cancel: a pending job ends canceled at
// once; a running job becomes canceling, its provisioner is stopped, and it
// ends canceled. A canceled job does not block the next build.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginJob } from '../../src/builds/begin-job.js';
import { startBuild } from '../../src/builds/start-build.js';
import { inTransaction } from '../../src/db/pool.js';
import { lockJob, markJobCanceled } from '../../src/db/sql/provisioner-jobs.js';
import { commitBuild } from '../helpers/builds.js';
import { PROJECT_ROOT } from '../helpers/processes.js';
import { type Harness, jobLog, seed, startHarness, waitUntil } from './harness.js';

const SCRIPT = join(PROJECT_ROOT, 'test/builds/fixtures/provisioner-by-name.sh');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('canceling a build', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-cancel-'));
    h = await startHarness({
      provisioning: {
        provisioner: 'command',
        command: `EXAMPLE_SLEEP=0.1 EXAMPLE_STATE_DIR=${dir}/state HANG_PID_DIR=${dir} sh ${SCRIPT}`,
        timeoutMs: 60_000,
      },
    });
    await seed(h);
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a running build: canceling at once, the provisioner process is killed, then canceled with no deadline', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'slow-1', ttl: '1h' });
    const pidFile = join(dir, created.jobId);
    await waitUntil('the provisioner to run', async () => (await readFile(pidFile, 'utf8').catch(() => '')) !== '');
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);

    const started = Date.now();
    const canceled = await h.ops.workspaces.cancel('alice/slow-1');
    expect(canceled).toEqual({ jobId: created.jobId, status: 'canceling' });
    const build = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(build.job.status).toBe('canceled');
    expect(build.job.error).toBeNull();
    expect(build.job.canceledAt).not.toBeNull();
    expect(build.deadline).toBeNull();
    await waitUntil('the provisioner process to be gone', async () => !alive(pid), 10_000);
    expect((await h.ops.workspaces.get('alice/slow-1')).status).toBe('canceled');

    await expect(h.ops.workspaces.cancel('alice/slow-1')).rejects.toThrow(
      'workspace alice/slow-1 has no build to cancel (its latest job is canceled)',
    );
  });

  it('a pending job: canceled at once (canceled_at and completed_at), and its workflow never provisions', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box' });
    await h.ops.waitForBuild(created.jobId, 20_000);
    // Commit a stop build without handing it off, so it stays pending.
    const ws = await h.ops.workspaces.get('alice/box');
    const { jobId } = await commitBuild(h.db.pool, {
      workspaceId: ws.id,
      transition: 'stop',
      reason: 'initiator',
      initiatorId: ws.owner.id,
      workflowId: null,
      createdAt: null,
    });
    expect((await h.ops.workspaces.get('alice/box')).status).toBe('pending');
    expect(await h.ops.workspaces.cancel('alice/box')).toEqual({ jobId, status: 'canceled' });
    const build = await h.ops.waitForBuild(jobId, 1000);
    expect(build.job.completedAt).toEqual(build.job.canceledAt);
    expect(build.job.startedAt).toBeNull();

    await startBuild(h.temporal.client, h.taskQueue, jobId);
    const result = await h.temporal.client.workflow.getHandle(`build/${jobId}`).result();
    expect(result).toEqual({ jobId, status: 'canceled' });
    expect(await jobLog(h, jobId)).toBe('');
    // The workspace is still running; it can be stopped normally.
    const stop = await h.ops.workspaces.stop('alice/box');
    expect((await h.ops.waitForBuild(stop.jobId, 20_000)).job.status).toBe('succeeded');
  });

  it('a job found canceling when its workflow begins is ended canceled and never provisioned; a missing job does not begin', async () => {
    const ws = await h.ops.workspaces.get('alice/box');
    const { jobId } = await commitBuild(h.db.pool, {
      workspaceId: ws.id,
      transition: 'stop',
      reason: 'initiator',
      initiatorId: ws.owner.id,
      workflowId: null,
      createdAt: null,
    });
    // Canceling: a run began (started_at) and a person's cancel came before the provisioner ended.
    await inTransaction(h.db.pool, async (c) => {
      await lockJob(c, jobId);
      await c.query('UPDATE provisioner_jobs SET started_at = now() WHERE id = $1', [jobId]);
      await markJobCanceled(c, jobId);
    });
    expect(await beginJob(h.db.pool, jobId)).toEqual({ run: false, status: 'canceling' });
    await startBuild(h.temporal.client, h.taskQueue, jobId);
    expect(await h.temporal.client.workflow.getHandle(`build/${jobId}`).result()).toEqual({ jobId, status: 'canceled' });
    expect(await jobLog(h, jobId)).toBe('');
    expect(await beginJob(h.db.pool, '00000000-0000-4000-8000-000000000000')).toEqual({ run: false, status: 'missing' });
  });

  it('a cancel recorded in the database stops the provisioner even if the workflow cancel never arrives (the canceller died after commit)', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'slow-2' });
    const pidFile = join(dir, created.jobId);
    await waitUntil('the provisioner to run', async () => (await readFile(pidFile, 'utf8').catch(() => '')) !== '');
    const pid = Number(await readFile(pidFile, 'utf8'));
    // The cancel's transaction, as ops.workspaces.cancel commits it, without the workflow cancel after it.
    await inTransaction(h.db.pool, async (c) => {
      await lockJob(c, created.jobId);
      await markJobCanceled(c, created.jobId);
    });
    const build = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(build.job.status).toBe('canceled');
    await waitUntil('the provisioner process to be gone', async () => !alive(pid), 10_000);
  });
});
