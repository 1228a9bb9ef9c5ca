// The built-in provisioner for demos, tests and benchmarks, run as every provisioner is: waits a configured
// time and succeeds, or fails at a configured rate, or fails every build of a
// workspace switched to fail (table simulated_failures; `ops.setSimulatedFailure`).
import type { Pool } from '../db/pool.js';
import { simulatedFailureFor } from '../db/sql/simulated-failure.js';
import { formatDuration } from '../lifecycle/index.js';
import type { Provisioner } from './provisioner.js';

export interface SimulatedOptions {
  durationMs: number;
  failureRate: number;
  pool: Pool;
  /** Injected for tests; Math.random by default. */
  random?: () => number;
}

export function simulatedProvisioner({ durationMs, failureRate, pool, random = Math.random }: SimulatedOptions): Provisioner {
  return {
    name: 'simulated',
    async provision(job, { signal, output }) {
      const who = `${job.owner.username}/${job.workspace.name}`;
      output(
        `simulated ${job.transition} of ${who} (build #${job.buildNumber}, version ${job.templateVersion.name}, attempt ${job.attempt}), taking ${formatDuration(durationMs)}\n`,
      );
      await sleep(durationMs, signal);
      if (signal.aborted) return { ok: false, error: 'canceled' };
      const switched = await simulatedFailureFor(pool, job.workspace.id, job.transition);
      if (switched !== null) {
        output(`${switched}\n`);
        return { ok: false, error: switched };
      }
      if (failureRate > 0 && random() < failureRate) {
        const error = `simulated provisioner failure (failure rate ${failureRate})`;
        output(`${error}\n`);
        return { ok: false, error };
      }
      output(`simulated ${job.transition} of ${who} done\n`);
      return { ok: true };
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
