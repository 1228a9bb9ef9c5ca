// Starts the real services once per test run: an embedded PostgreSQL cluster
// and a Temporal dev server, each on a free port in a temporary folder. If
// either cannot start, the run fails with the reason; no test is skipped.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/runtime/config.js';
import { startEmbeddedPostgres } from '../../src/runtime/embedded-postgres.js';
import { createLogger } from '../../src/runtime/logger.js';
import { freePort } from '../../src/runtime/ports.js';
import { findTemporalCli } from '../../src/runtime/temporal-cli.js';
import { startTemporalDevServer } from '../../src/runtime/temporal-dev-server.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.js';

declare module 'vitest' {
  interface ProvidedContext {
    pgAdminUrl: string;
    temporalAddress: string;
    temporalCliPath: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'autobuild-test-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the "postgres" user and must reach its folder
  const log = createLogger({ level: 'warn', format: 'json' });
  const cliPath = findTemporalCli(loadConfig().temporalCliPath);
  // A free port can be taken between choosing it and binding it (the dev server
  // binds several ports of its own): a start that fails is tried again on new
  // ports, and each failure is printed, so that a run that still fails says why.
  const attempt = async <T>(what: string, start: (n: number) => Promise<T>): Promise<T> => {
    for (let n = 1; ; n++) {
      try {
        return await start(n);
      } catch (err) {
        process.stderr.write(`test services: ${what} did not start (attempt ${n} of 3): ${(err as Error).message}\n`);
        if (n === 3) throw err;
      }
    }
  };
  const started = await Promise.allSettled([
    attempt('PostgreSQL', async (n) => startEmbeddedPostgres({ dir: join(dir, `postgres-${n}`), port: await freePort(), log })),
    attempt('the Temporal dev server', async (n) =>
      startTemporalDevServer({
        cliPath,
        dataDir: join(dir, `temporal-${n}`),
        ip: '127.0.0.1',
        port: await freePort(),
        uiPort: null,
        namespace: 'default',
        searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
        persistent: false,
        log,
      }),
    ),
  ]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
    throw new Error(`test services did not start: ${(failed as PromiseRejectedResult).reason?.message}`);
  }
  const [postgres, temporal] = started.map((s) => (s as PromiseFulfilledResult<{ stop(): Promise<void> }>).value) as [
    Awaited<ReturnType<typeof startEmbeddedPostgres>>,
    Awaited<ReturnType<typeof startTemporalDevServer>>,
  ];
  project.provide('pgAdminUrl', postgres.adminUrl);
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalCliPath', cliPath);
  return async () => {
    await Promise.all([temporal.stop(), postgres.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
}
