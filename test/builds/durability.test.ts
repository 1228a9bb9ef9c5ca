// docs/rules.md#provisioning and docs/rules.md#concurrency-and-exactly-once: a build survives the death of the worker running it, and a
// job committed by a process that died before the hand-off is picked up by the
// recovery sweep. Both crashes are real: child processes killed with SIGKILL.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWorkflowId } from '../../src/builds/start-build.js';
import { cleanEnv, PROJECT_ROOT, type Spawned, spawnEntry } from '../helpers/processes.js';
import { type Harness, jobLog, seed, startHarness, waitUntil } from './harness.js';

const SCRIPT = join(PROJECT_ROOT, 'test/builds/fixtures/provisioner-by-name.sh');

describe('durable builds', () => {
  let h: Harness;
  let dir: string;
  const children: Spawned[] = [];
  const spawnWorker = (extra: Record<string, string> = {}) => {
    const child = spawnEntry(
      'test/builds/fixtures/worker-process.ts',
      [],
      cleanEnv({
        DATABASE_URL: h.db.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        AUTOBUILD_TASK_QUEUE: h.taskQueue,
        AUTOBUILD_PROVISIONER: 'command',
        AUTOBUILD_PROVISIONER_COMMAND: `EXAMPLE_SLEEP=0.1 EXAMPLE_STATE_DIR=${dir}/state RUNS_FILE=${dir}/runs HANG_PID_DIR=${dir} sh ${SCRIPT}`,
        AUTOBUILD_PROVISIONER_HEARTBEAT_TIMEOUT: '2s',
        AUTOBUILD_RECOVERY_GRACE: '1s',
        AUTOBUILD_RECOVERY_INTERVAL: '1s',
        LOG_LEVEL: 'warn',
        ...extra,
      }),
    );
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-durable-'));
    h = await startHarness({ noWorker: true });
    await seed(h);
  });
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a worker killed mid-build: the provisioner runs again with the same job id on a new worker and the job completes once', async () => {
    const first = spawnWorker();
    await first.waitFor(/test worker ready/);
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'crash-1', ttl: '1h' });
    await waitUntil('the provisioner to start', async () => (await readFile(join(dir, 'runs'), 'utf8').catch(() => '')) !== '');
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await h.ops.workspaces.get('alice/crash-1')).status).toBe('starting');

    const second = spawnWorker();
    await second.waitFor(/test worker ready/);
    const build = await h.ops.waitForBuild(created.jobId, 60_000);
    expect(build.job.status).toBe('succeeded');
    expect(build.deadline!.getTime()).toBe(build.job.completedAt!.getTime() + 3_600_000);
    const runs = (await readFile(join(dir, 'runs'), 'utf8')).trim().split('\n');
    expect(runs).toEqual([`${created.jobId} 1`, `${created.jobId} 2`]);
    expect(await jobLog(h, created.jobId)).toContain('attempt 2: the previous run of this job was interrupted');
    // Once: one build, one completion, the workflow finished.
    expect((await h.ops.workspaces.history('alice/crash-1')).length).toBe(1);
    const description = await h.temporal.client.workflow.getHandle(buildWorkflowId(created.jobId)).describe();
    expect(description.status.name).toBe('COMPLETED');
    second.child.kill('SIGTERM');
    await second.exited;
  }, 120_000);

  it('a job committed by a process killed before the hand-off is started by the recovery sweep', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'orphan' });
    // Nothing serves the queue yet: finish the first build with a worker, then crash between commit and hand-off.
    const worker = spawnWorker();
    await worker.waitFor(/test worker ready/);
    await h.ops.waitForBuild(created.jobId, 60_000);
    worker.child.kill('SIGKILL');
    await worker.exited;

    const ws = await h.ops.workspaces.get('alice/orphan');
    const crash = spawnEntry('test/builds/fixtures/commit-then-crash.ts', [h.db.url, ws.id, ws.owner.id], cleanEnv({}));
    const line = await crash.waitFor(/committed job/);
    expect(await crash.exited).toBeNull(); // killed by its signal
    const jobId = line.split(' ').pop()!;
    await expect(h.temporal.client.workflow.getHandle(buildWorkflowId(jobId)).describe()).rejects.toThrow();
    expect((await h.ops.workspaces.get('alice/orphan')).status).toBe('pending');

    const recovering = spawnWorker();
    const build = await h.ops.waitForBuild(jobId, 60_000);
    expect(build).toMatchObject({ transition: 'stop', buildNumber: 2 });
    expect(build.job.status).toBe('succeeded');
    expect(recovering.output()).toMatch(/recovered a job without a build workflow/);
    recovering.child.kill('SIGTERM');
    await recovering.exited;
  }, 120_000);
});
