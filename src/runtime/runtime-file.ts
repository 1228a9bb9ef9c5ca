// `npm start` records the addresses it chose in <dataDir>/runtime.json so that
// the CLI finds the embedded services with no flags. It holds a local-only
// database password, so it is readable by its owner only.
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RuntimeInfo {
  pid: number;
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string | null;
  startedAt: string;
}

const file = (dataDir: string) => join(dataDir, 'runtime.json');

export async function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(file(dataDir), JSON.stringify(info, null, 2), { mode: 0o600 });
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
