// runtime.json tells the CLI where `npm start`'s services are. It may hold the
// embedded database's password: its owner alone reads it, a link planted at
// its name is refused, and an external database's password is not copied in.
import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RuntimeInfo, readRuntimeInfo, writeRuntimeInfo } from '../../src/runtime/runtime-file.js';

const info = (databaseUrl: string, externalDatabase: boolean): RuntimeInfo => ({
  pid: 1,
  databaseUrl,
  externalDatabase,
  temporalAddress: '127.0.0.1:7233',
  namespace: 'default',
  taskQueue: 'autobuild',
  uiUrl: null,
  metricsUrl: 'http://127.0.0.1:9464/metrics',
  healthUrl: 'http://127.0.0.1:9464/healthz',
  readyUrl: 'http://127.0.0.1:9464/readyz',
  sdkMetricsUrl: 'http://127.0.0.1:9465/metrics',
  startedAt: '2026-12-07T00:00:00.000Z',
});

describe('runtime.json', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-runtime-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('is readable by its owner only, also when an earlier file was more open', async () => {
    writeFileSync(join(dir, 'runtime.json'), '{}', { mode: 0o644 });
    await writeRuntimeInfo(dir, info('postgres://postgres:pw@127.0.0.1:1/autobuild', false));
    expect(statSync(join(dir, 'runtime.json')).mode & 0o777).toBe(0o600);
    expect(readRuntimeInfo(dir)?.databaseUrl).toBe('postgres://postgres:pw@127.0.0.1:1/autobuild');
  });

  it('is not written through a symlink at its name', async () => {
    const target = join(dir, 'elsewhere');
    writeFileSync(target, 'precious');
    symlinkSync(target, join(dir, 'runtime.json'));
    await expect(writeRuntimeInfo(dir, info('postgres://x@h/db', false))).rejects.toThrow(/ELOOP/);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(lstatSync(join(dir, 'runtime.json')).isSymbolicLink()).toBe(true);
  });

  it("does not keep an external database's password, nor any other secret parameter (the same names the logs mask)", async () => {
    await writeRuntimeInfo(dir, info('postgres://app:hunter2@db.internal:5432/app?sslpassword=k3y&token=t0k&sslmode=require', true));
    const text = readFileSync(join(dir, 'runtime.json'), 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('k3y');
    expect(text).not.toContain('t0k');
    expect(readRuntimeInfo(dir)?.databaseUrl).toBe('postgres://app@db.internal:5432/app?sslmode=require');
  });
});
