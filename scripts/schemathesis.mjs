#!/usr/bin/env node
// `npm run schemathesis:install`: Schemathesis, the property-based OpenAPI
// tester that test/system/schemathesis.test.ts runs against the HTTP API, in a
// Python venv of its own under ~/.cache/autobuild/schemathesis-<version>/ (one
// per user, shared by every checkout; reused while it holds that version).
// Plain JavaScript: it runs before anything is built. As a module it exports
// `schemathesisBinary()`, which installs when needed and returns the path of `st`.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCHEMATHESIS_VERSION = '4.32.5';
export const SCHEMATHESIS_VENV = join(homedir(), '.cache', 'autobuild', `schemathesis-${SCHEMATHESIS_VERSION}`);
const bin = (name) => join(SCHEMATHESIS_VENV, 'bin', name);

/** The version of Schemathesis in the venv, or null when it is not (all) there. */
export function installedVersion() {
  if (!existsSync(bin('python')) || !existsSync(bin('st'))) return null;
  const r = spawnSync(bin('python'), ['-c', 'import importlib.metadata as m; print(m.version("schemathesis"))'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

function step(log, what, cmd, args) {
  log(`schemathesis: ${what}`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) {
    const last = `${r.stderr}\n${r.stdout}`.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
    throw new Error(`${what} failed: ${last.trim()}`);
  }
}

/**
 * Makes sure the venv holds Schemathesis SCHEMATHESIS_VERSION and returns the
 * path of its `st` binary. `log` gets one line per step. Throws with a
 * one-line reason.
 */
export function schemathesisBinary({ log = () => {} } = {}) {
  const found = installedVersion();
  if (found === SCHEMATHESIS_VERSION) {
    log(`schemathesis: ${SCHEMATHESIS_VERSION} already installed in ${SCHEMATHESIS_VENV}`);
    return bin('st');
  }
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) throw new Error('no python3 on PATH: Schemathesis needs Python 3.9 or later');
  // A venv with another version, or a half-made one, is made anew.
  if (existsSync(SCHEMATHESIS_VENV)) {
    log(`schemathesis: removing ${SCHEMATHESIS_VENV} (${found ? `holds ${found}` : 'incomplete'})`);
    rmSync(SCHEMATHESIS_VENV, { recursive: true, force: true });
  }
  try {
    step(log, `creating a venv in ${SCHEMATHESIS_VENV} with ${python}`, python, ['-m', 'venv', SCHEMATHESIS_VENV]);
    step(log, `pip install schemathesis==${SCHEMATHESIS_VERSION}`, bin('pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `schemathesis==${SCHEMATHESIS_VERSION}`,
    ]);
    const now = installedVersion();
    if (now !== SCHEMATHESIS_VERSION) throw new Error(`after pip install the venv holds schemathesis ${now ?? 'nothing'}`);
  } catch (err) {
    rmSync(SCHEMATHESIS_VENV, { recursive: true, force: true }); // no half-made venv is left to be mistaken for one
    throw err;
  }
  log(`schemathesis: installed ${SCHEMATHESIS_VERSION}; st is ${bin('st')}`);
  return bin('st');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    schemathesisBinary({ log: (line) => console.log(line) });
  } catch (err) {
    console.error(`schemathesis: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
