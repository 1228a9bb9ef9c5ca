// A quick provisioner's output is written with the job's end (one statement
// fewer per build, docs/provisioning.md); the output of a run that could not
// run to the end — retried by begin's policy — must still reach the job log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provisioner } from '../../src/builds/provisioner.js';
import { seed, startHarness, type Harness } from './harness.js';

/** Quick; its first run of each job writes output and then cannot run (rejects), the second succeeds. */
const flaky: Provisioner = {
  name: 'flaky',
  quick: true,
  async provision(job, { output }) {
    output(`run ${job.attempt} of build #${job.buildNumber}\n`);
    if (job.attempt === 1) throw new Error('backend unreachable');
    output('done\n');
    return { ok: true };
  },
};

describe('job log of a quick provisioner retried by begin (SPEC §7 at-least-once, §8)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ provisioner: flaky });
    await seed(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the output of a run that is retried is kept, and the retry’s output follows it', async () => {
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box' });
    const build = await h.ops.waitForBuild(created.jobId, 20_000);
    expect(build.job.status).toBe('succeeded');
    const log = await h.ops.workspaces.log(created.jobId);
    expect(log).toMatch(/run 1 of build #1\n[\s\S]*run 2 of build #1\ndone\n$/);
  });
});
