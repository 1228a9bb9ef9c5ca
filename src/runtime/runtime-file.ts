// `npm start` records the addresses it chose in <dataDir>/runtime.json so that
// the CLI finds the embedded services with no flags. It holds the embedded
// database's password, so it is readable by its owner only, and it is never
// written through a link someone else planted. An external database's password
// is not copied into it: with DATABASE_URL set, the CLI reads DATABASE_URL.
import { constants, readFileSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { withoutSecrets } from './secrets.js';

export interface RuntimeInfo {
  pid: number;
  /** The embedded database's URL; an external one's without its password. */
  databaseUrl: string;
  /** The database is DATABASE_URL's, not the embedded one: the CLI needs DATABASE_URL too. */
  externalDatabase: boolean;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string | null;
  /** The worker's metrics and health (docs/operations.md#metrics-and-health): `…/metrics`, `…/healthz`, `…/readyz`. */
  metricsUrl: string;
  healthUrl: string;
  readyUrl: string;
  /** The Temporal SDK's own metrics. */
  sdkMetricsUrl: string;
  startedAt: string;
}

const file = (dataDir: string) => join(dataDir, 'runtime.json');

export async function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const recorded = info.externalDatabase ? { ...info, databaseUrl: withoutSecrets(info.databaseUrl) } : info;
  // O_NOFOLLOW: a symlink at this name is refused, not followed to a file elsewhere.
  const handle = await open(file(dataDir), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.chmod(0o600); // a file left by an earlier release may be more open
    await handle.writeFile(JSON.stringify(recorded, null, 2));
  } finally {
    await handle.close();
  }
}

export function readRuntimeInfo(dataDir: string): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(file(dataDir), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
}

/** Part of shutting down: it never throws, so that what runs after it (closing the pool, stopping servers) runs. */
export async function removeRuntimeInfo(dataDir: string): Promise<void> {
  await rm(file(dataDir), { force: true }).catch(() => {});
}
