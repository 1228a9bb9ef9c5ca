// docs/rules.md#provisioning and docs/provisioning.md: the command provisioner's contract, run
// by real build workflows: the job on stdin and in the environment, output in
// the job's log, exit 0 = success, else the last lines of stderr, killed after
// the timeout.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commandProvisioner } from '../../src/builds/command-provisioner.js';
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
  // The worker's environment holds secrets; a command must not see them.
  const secrets = { DATABASE_URL: 'postgres://app:hunter2@db.internal/app', TEMPORAL_API_KEY: 'tk-secret', PASSED_THROUGH: 'yes' };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-command-'));
    Object.assign(process.env, secrets);
    h = await startHarness({
      provisioning: {
        provisioner: 'command',
        command: `EXAMPLE_SLEEP=0.1 EXAMPLE_STATE_DIR=${dir}/state HANG_PID_DIR=${dir} sh ${SCRIPT}`,
        timeoutMs: 1500,
        passEnv: ['PASSED_THROUGH'],
      },
    });
    await seed(h);
  });
  afterAll(async () => {
    for (const name of Object.keys(secrets)) delete process.env[name];
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a command sees PATH, HOME, LANG, TZ, the job's AUTOBUILD_* variables and AUTOBUILD_PROVISIONER_ENV's names, none of the worker's secrets", async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'env-1' });
    expect((await h.ops.waitForBuild(created.jobId, 20_000)).job.status).toBe('succeeded');
    const log = await jobLog(h, created.jobId);
    expect(log).toMatch(/^PATH=/m);
    expect(log).toContain(`AUTOBUILD_JOB_ID=${created.jobId}`);
    expect(log).toContain('PASSED_THROUGH=yes');
    expect(log).not.toContain('hunter2');
    expect(log).not.toContain('tk-secret');
    expect(log).not.toMatch(/^(DATABASE_URL|TEMPORAL_API_KEY)=/m);
  });

  it('output and errors with NUL and other control bytes: the job still completes, stored without them', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'nul-1' });
    const build = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(build.job.status).toBe('failed');
    expect(build.job.error).toBe('provisioner command exited with code 4: badbyte[2J');
    expect(await jobLog(h, created.jobId)).toContain('output\n');
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

describe('stopping a command', () => {
  it('once the job has finished, no late SIGKILL reaches its process group (its id may belong to another process by then)', async () => {
    const provisioner = commandProvisioner({
      // Ends at once on SIGTERM, well within the grace period.
      command: "trap 'exit 0' TERM; sleep 30 & wait",
      timeoutMs: 200,
      env: { PATH: process.env.PATH ?? '' },
      killGraceMs: 500,
    });
    const kills: Array<[number, string]> = [];
    const real = process.kill.bind(process);
    // The command must really be stopped: the kills are counted, then sent.
    const spy = vi.spyOn(process, 'kill').mockImplementation(((pid: number, signal?: string | number) => {
      kills.push([pid, String(signal)]);
      return real(pid, signal as NodeJS.Signals);
    }) as typeof process.kill);
    try {
      const job = {
        jobId: 'j',
        buildId: 'b',
        buildNumber: 1,
        transition: 'start' as const,
        reason: 'initiator' as const,
        workspace: { id: 'w', name: 'w' },
        owner: { id: 'o', username: 'o' },
        template: { id: 't', name: 't' },
        templateVersion: { id: 'v', name: 'v1' },
        attempt: 1,
      };
      const result = await provisioner.provision(job, { signal: new AbortController().signal, output: () => {} });
      expect(result).toEqual({ ok: false, error: 'provisioner command timed out after 200ms and was killed' });
      const atFinish = kills.length;
      await new Promise((r) => setTimeout(r, 800)); // past the grace period
      expect(kills.slice(atFinish)).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
