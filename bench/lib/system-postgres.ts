// A throw-away cluster of the operating system's PostgreSQL (Debian's 15),
// the "external PostgreSQL" of the real-server topology: initdb in a folder
// of ours, a random superuser password, loopback only, a free port. Run as the
// `postgres` user when we are root (initdb refuses root). stop() ends it and
// removes the folder.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../src/runtime/ports.js';

const exec = promisify(execFile);

export const SYSTEM_POSTGRES_BIN = '/usr/lib/postgresql/15/bin';
const SUPERUSER = 'postgres';

export interface SystemPostgres {
  host: string;
  port: number;
  /** postgres://postgres:…@127.0.0.1:<port>/postgres */
  adminUrl: string;
  /** The postmaster's pid (its backends are its children). */
  pid: number;
  /** `server_version`, e.g. "15.14 (Debian 15.14-0+deb12u1)". */
  version: string;
  /** A login role with a random password; `createdb` lets it create databases (Temporal's sql tool does). */
  createRole(name: string, opts?: { createdb?: boolean }): Promise<{ user: string; password: string }>;
  /** Creates a database owned by `owner` and returns its URL with the owner's credentials. */
  createDatabase(name: string, owner: { user: string; password: string }): Promise<string>;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export async function startSystemPostgres(opts: { dir: string; bin?: string }): Promise<SystemPostgres> {
  const bin = opts.bin ?? SYSTEM_POSTGRES_BIN;
  if (!existsSync(join(bin, 'initdb'))) {
    throw new Error(`PostgreSQL's initdb is not in ${bin} (on Debian: apt-get install postgresql-15)`);
  }
  const { dir } = opts;
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const password = randomBytes(18).toString('base64url');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
  // As root, every command runs as the postgres user, which must own the folder.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const owner = await postgresUser();
    await chmod(dir, 0o700);
    for (const f of [dir, ...(await readdir(dir)).map((n) => join(dir, n))]) await chown(f, owner.uid, owner.gid);
  }
  const pgRun = (tool: string, args: string[]) =>
    asRoot ? exec('runuser', ['-u', SUPERUSER, '--', join(bin, tool), ...args]) : exec(join(bin, tool), args);

  await pgRun('initdb', [
    '-D',
    data,
    '-U',
    SUPERUSER,
    `--pwfile=${join(dir, 'pwfile')}`,
    '--auth-local=peer',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--no-locale',
  ]).catch(failed('initdb'));
  await rm(join(dir, 'pwfile'));

  // A port chosen free can be taken before the postmaster binds it: try again on another.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const options = [
      `-c port=${port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${dir}`,
      // Temporal's pools (30), three engine workers' pools and the harness's.
      '-c max_connections=300',
    ].join(' ');
    try {
      await pgRun('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', options, 'start']);
      break;
    } catch (err) {
      if (attempt === 3) {
        await rm(dir, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start on port ${port}: ${lastLine(err)}\n${tail(logFile, 10)}`);
      }
    }
  }
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const host = '127.0.0.1';
  const url = (user: string, pw: string, database: string) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@${host}:${port}/${database}`;
  const adminUrl = url(SUPERUSER, password, 'postgres');
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const stop = async () => {
    await pgRun('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const version = await admin(async (c) => (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v);
    return {
      host,
      port,
      adminUrl,
      pid,
      version,
      async createRole(name, o = {}) {
        const pw = randomBytes(18).toString('base64url');
        await admin((c) => c.query(`CREATE ROLE "${name}" LOGIN ${o.createdb ? 'CREATEDB' : ''} PASSWORD '${pw}'`));
        return { user: name, password: pw };
      },
      async createDatabase(name, owner) {
        await admin((c) => c.query(`CREATE DATABASE "${name}" OWNER "${owner.user}"`));
        return url(owner.user, owner.password, name);
      },
      logTail: (lines = 40) => tail(logFile, lines),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([exec('id', ['-u', SUPERUSER]), exec('id', ['-g', SUPERUSER])]);
    return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  } catch {
    throw new Error(`running as root, PostgreSQL needs the "${SUPERUSER}" user to run as, and there is none`);
  }
}

const lastLine = (err: unknown) => {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split('\n').at(-1) ?? '';
};

const failed = (what: string) => (err: unknown) => {
  throw new Error(`${what} failed: ${lastLine(err)}`);
};

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
