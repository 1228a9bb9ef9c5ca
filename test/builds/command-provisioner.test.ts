// docs/rules.md#provisioning and docs/provisioning.md: the command provisioner's contract, run
// by real build workflows: the job on stdin and in the environment, output in
// the job's log, exit 0 = success, else the last lines of stderr, killed after
// the timeout.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('command provisioner (docs/provisioning.md)', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-command-'));
    h = await startHarness({
      provisioning: {
        provisioner: 'command',
        command: `EXAMPLE_SLEEP=0.1 EXAMPLE_STATE_DIR=${dir}/state HANG_PID_DIR=${dir} sh ${SCRIPT}`,
        timeoutMs: 1500,
      },
    });
    await seed(h);
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exit 0 succeeds; the job arrives as JSON on stdin and as AUTOBUILD_* variables, and the output lands in the job log', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'good', ttl: '2h' });
    const build = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(build.job.status).toBe('succeeded');
    expect(build.deadline).not.toBeNull();
    const log = await jobLog(h, created.jobId);
    const json = JSON.parse(/^job: (.*)$/m.exec(log)![1]!);
    expect(json).toMatchObject({
      jobId: created.jobId,
      buildNumber: 1,
      transition: 'start',
      reason: 'initiator',
      workspace: { id: created.workspaceId, name: 'good' },
      owner: { username: 'alice' },
      template: { name: 'dev' },
      templateVersion: { name: 'v1' },
      attempt: 1,
    });
    expect(log).toContain(`start of alice/good (template dev version v1, build #1, reason initiator, job ${created.jobId}, attempt 1)`);
    expect(log).toContain('start done: running v1');
    expect(await readFile(join(dir, 'state', created.workspaceId), 'utf8')).toBe('running v1\n');
  });

  it('a non-zero exit fails the job with the last lines of stderr; no deadline is set', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'fail-1', ttl: '2h' });
    const build = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(build.job.status).toBe('failed');
    expect(build.deadline).toBeNull();
    expect(build.job.error).toMatch(/^provisioner command exited with code 3: stderr line 4\n/);
    expect(build.job.error).toMatch(/stderr line 12\nfatal: cannot provision fail-1$/);
    expect(build.job.error).not.toContain('noise');
    // The whole output is in the log.
    expect(await jobLog(h, created.jobId)).toContain('line one of noise');
    expect((await h.ops.workspaces.get('alice/fail-1')).status).toBe('failed');
  });

  it('a command running past the timeout is killed and the job fails', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'hang-1' });
    const build = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(build.job.status).toBe('failed');
    expect(build.job.error).toBe('provisioner command timed out after 1s500ms and was killed');
    const pid = Number(await readFile(join(dir, created.jobId), 'utf8'));
    await waitUntil('the hung command to be gone', async () => !alive(pid), 10_000);
    expect(await jobLog(h, created.jobId)).toContain('timed out after 1s500ms: stopping the command');
    expect(await readdir(dir)).toContain(created.jobId);
  });
});
