#!/usr/bin/env node
// The real Temporal server, as a self-hosted cluster runs it: built from the
// Go module proxy (`go install`, no Docker), its schema set up on PostgreSQL
// with its own `sql` tool, started with scripts/temporal-server/config.yaml.
// What test/system/real-server.test.ts and `npm run bench -- rush --server real`
// run against; docs/operations.md#running-the-real-temporal-server shows the
// same steps by hand.
//
//   node scripts/temporal-server.mjs build    builds once into ~/.cache/autobuild/temporal-server-<version>/
//   node scripts/temporal-server.mjs schema   creates and migrates the databases temporal and temporal_visibility
//   node scripts/temporal-server.mjs start    runs the server and registers the namespace, until Ctrl-C
//
// `schema` and `start` read the variables of scripts/temporal-server/config.yaml
// (POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, POSTGRES_PWD, FRONTEND_GRPC_PORT, …);
// `start` registers TEMPORAL_NAMESPACE (default "default").
//
// Plain JavaScript: it runs before anything is built. As a module it exports
// the steps (bench/lib/real-temporal.ts strings them together on free ports).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_SERVER_VERSION = '1.32.2';
/** The server's go.mod asks for a newer Go than many machines have: `go` fetches this toolchain itself. */
export const GO_TOOLCHAIN = 'go1.27.3';
export const TEMPORAL_SERVER_HOME = join(homedir(), '.cache', 'autobuild', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
export const TEMPORAL_SERVER_CONFIG = fileURLToPath(new URL('./temporal-server/config.yaml', import.meta.url));
const MODULE = 'go.temporal.io/server';

/** Where the build keeps its binaries and the PostgreSQL schema files of this version. */
export function temporalServerPaths() {
  return {
    server: join(TEMPORAL_SERVER_HOME, 'bin', 'server'),
    sql: join(TEMPORAL_SERVER_HOME, 'bin', 'sql'),
    schema: join(TEMPORAL_SERVER_HOME, 'schema', 'postgresql', 'v12'),
  };
}

/** True when an earlier build left everything in place (each part is moved in only once complete). */
export function isTemporalServerBuilt() {
  const p = temporalServerPaths();
  return [p.schema, p.sql, p.server].every((f) => existsSync(f));
}

/** Runs a command to its end; rejects with its last lines of output. */
function run(cmd, args, { env = process.env, log } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.once('exit', (code) => {
      if (code === 0) return resolvePromise(out);
      const tail = out.trim().split('\n').slice(-8).join('\n');
      log?.(tail);
      reject(new Error(`${[cmd, ...args].join(' ')} exited with ${code}: ${tail.split('\n').at(-1) ?? ''}`));
    });
  });
}

/**
 * Builds the server and its `sql` tool into TEMPORAL_SERVER_HOME unless an
 * earlier build is there, and keeps the module's PostgreSQL schema files beside
 * them. About 4 minutes on 2 cores when nothing is cached. Returns the paths.
 */
export async function buildTemporalServer({ log = () => {} } = {}) {
  const paths = temporalServerPaths();
  if (isTemporalServerBuilt()) {
    log(`temporal server ${TEMPORAL_SERVER_VERSION}: already built in ${TEMPORAL_SERVER_HOME}`);
    return paths;
  }
  await run('go', ['version']).catch(() => {
    throw new Error(`building the Temporal server needs Go on PATH (any Go from 1.21 fetches ${GO_TOOLCHAIN} itself)`);
  });
  await mkdir(join(TEMPORAL_SERVER_HOME, 'bin'), { recursive: true });
  // Built in a folder of its own and moved into place: a build that fails or is
  // interrupted leaves nothing that looks finished.
  const work = await mkdtemp(join(TEMPORAL_SERVER_HOME, 'build-'));
  try {
    const env = { ...process.env, GOTOOLCHAIN: GO_TOOLCHAIN, GOBIN: join(work, 'bin') };
    const module = `${MODULE}@v${TEMPORAL_SERVER_VERSION}`;
    if (!existsSync(paths.schema)) {
      // The schema files ship in the module's source, which go fetches (or finds in its module cache).
      const { Dir } = JSON.parse(await run('go', ['mod', 'download', '-json', module], { env, log }));
      await cp(join(Dir, 'schema', 'postgresql', 'v12'), join(work, 'schema'), { recursive: true });
      await makeWritable(join(work, 'schema')); // the module cache is read-only; the copy need not be
      await mkdir(dirname(paths.schema), { recursive: true });
      await rename(join(work, 'schema'), paths.schema);
    }
    if (!existsSync(paths.server) || !existsSync(paths.sql)) {
      log(`temporal server ${TEMPORAL_SERVER_VERSION}: go install with ${GO_TOOLCHAIN} (about 4 minutes on 2 cores)`);
      await run(
        'go',
        ['install', `${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`],
        {
          env,
          log,
        },
      );
      await rename(join(work, 'bin', 'sql'), paths.sql);
      await rename(join(work, 'bin', 'server'), paths.server);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  log(`temporal server ${TEMPORAL_SERVER_VERSION}: built into ${TEMPORAL_SERVER_HOME}`);
  return paths;
}

async function makeWritable(path) {
  const s = await stat(path);
  await chmod(path, s.mode | 0o200);
  if (s.isDirectory()) for (const name of await readdir(path)) await makeWritable(join(path, name));
}

/**
 * Creates the databases `temporal` and `temporal_visibility` (if missing) and
 * brings their schema to this version's: the sql tool's setup-schema, then
 * update-schema over the versioned folders. `user` must be allowed to create
 * databases. Safe to run again.
 */
export async function setupTemporalSchema({ host, port, user, password, log = () => {} }) {
  const { sql, schema } = temporalServerPaths();
  // The password goes through the environment, never the command line (ps shows that to every user).
  const env = { PATH: process.env.PATH ?? '', SQL_PASSWORD: password ?? '' };
  const tool = (database, ...args) =>
    run(sql, ['--plugin', 'postgres12', '--endpoint', host, '--port', String(port), '--user', user, '--database', database, ...args], {
      env,
      log,
    });
  for (const [database, folder] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ]) {
    await tool(database, 'create-database').catch((err) => {
      if (!/already exists/.test(err.message)) throw err;
    });
    await tool(database, 'setup-schema', '-v', '0.0');
    await tool(database, 'update-schema', '-d', join(schema, folder, 'versioned'));
    log(`temporal server: schema of ${database} is up to date`);
  }
}

/** The services' ports, Temporal's own defaults unless told otherwise. */
export const DEFAULT_PORTS = {
  frontend: 7233,
  frontendMembership: 6933,
  history: 7234,
  historyMembership: 6934,
  matching: 7235,
  matchingMembership: 6935,
  worker: 7239,
  workerMembership: 6939,
};

/**
 * Starts the server (every service in one process) on PostgreSQL, waits until
 * its frontend reports SERVING, and returns its address. Its output goes to
 * `logFile`. stop() sends SIGTERM, SIGKILL after 20 s.
 */
export async function startTemporalServer({ host, port, user, password, ip = '127.0.0.1', ports = {}, logFile, logLevel = 'warn' }) {
  const { server } = temporalServerPaths();
  const p = { ...DEFAULT_PORTS, ...ports };
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: homedir(),
    POSTGRES_SEEDS: host,
    DB_PORT: String(port),
    POSTGRES_USER: user,
    POSTGRES_PWD: password ?? '',
    BIND_ON_IP: ip,
    FRONTEND_GRPC_PORT: String(p.frontend),
    FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    HISTORY_GRPC_PORT: String(p.history),
    HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    MATCHING_GRPC_PORT: String(p.matching),
    MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    WORKER_GRPC_PORT: String(p.worker),
    WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
    LOG_LEVEL: logLevel,
  };
  await mkdir(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const child = spawn(server, ['--config-file', TEMPORAL_SERVER_CONFIG, '--allow-no-auth', 'start'], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  const address = `${ip}:${p.frontend}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilServing(address, exited, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  return { address, pid: child.pid, logFile, stop };
}

/** The last `lines` lines of a log file ('' when there is none). */
export function logTail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function waitUntilServing(address, exited, logFile, timeoutMs = 120_000) {
  const { Connection } = await import('@temporalio/client');
  let exit;
  exited.then((code) => (exit = code));
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      throw new Error(`the Temporal server exited during start (${exit}): ${startFailure(logFile) ?? `see ${logFile}`}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        const res = await connection.healthService.check({});
        if (res.status === 1 /* SERVING */) return;
        last = `health status ${res.status}`;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the Temporal server at ${address} did not report SERVING within ${timeoutMs / 1000} s (${last}); see ${logFile}`);
}

/** Why a start failed: the last fatal or error line of the log, its message and error only (not the stack). */
function startFailure(logFile) {
  for (const line of logTail(logFile, 200).split('\n').reverse()) {
    if (!/fatal|error/i.test(line)) continue;
    try {
      const { msg, error } = JSON.parse(line);
      return error ? `${msg}: ${error}` : msg;
    } catch {
      return line.slice(0, 300);
    }
  }
  return null;
}

/**
 * Registers `namespace` (3 days of retention) unless it exists, and waits
 * until the frontend serves it: a new namespace reaches the frontend's cache
 * some seconds after it is made.
 */
export async function registerNamespace({ address, namespace = 'default', retentionDays = 3, timeoutMs = 60_000 }) {
  const { Connection } = await import('@temporalio/client');
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    let registered = false;
    for (;;) {
      try {
        if (!registered) {
          await connection.workflowService
            .registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: retentionDays * 86_400 } })
            .catch((err) => {
              if (err.code !== 6 /* ALREADY_EXISTS */) throw err;
            });
          registered = true;
        }
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } catch (err) {
        // Right after the start, the history shards may not all be owned yet (UNAVAILABLE): try again.
        if (Date.now() > deadline) throw new Error(`namespace ${namespace} did not become usable on ${address}: ${err.message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await connection.close();
  }
}

function postgresFromEnv(env) {
  if (!env.POSTGRES_SEEDS || !env.POSTGRES_USER)
    throw new Error('set POSTGRES_SEEDS and POSTGRES_USER (and POSTGRES_PWD, DB_PORT) to reach PostgreSQL');
  const port = Number(env.DB_PORT ?? 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`DB_PORT must be a port number, got "${env.DB_PORT}"`);
  return { host: env.POSTGRES_SEEDS, port, user: env.POSTGRES_USER, password: env.POSTGRES_PWD ?? '' };
}

function portsFromEnv(env) {
  const names = {
    frontend: 'FRONTEND_GRPC_PORT',
    frontendMembership: 'FRONTEND_MEMBERSHIP_PORT',
    history: 'HISTORY_GRPC_PORT',
    historyMembership: 'HISTORY_MEMBERSHIP_PORT',
    matching: 'MATCHING_GRPC_PORT',
    matchingMembership: 'MATCHING_MEMBERSHIP_PORT',
    worker: 'WORKER_GRPC_PORT',
    workerMembership: 'WORKER_MEMBERSHIP_PORT',
  };
  const ports = {};
  for (const [key, name] of Object.entries(names)) {
    if (env[name] === undefined) continue;
    const n = Number(env[name]);
    if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new Error(`${name} must be a port number, got "${env[name]}"`);
    ports[key] = n;
  }
  return ports;
}

async function main(command) {
  const log = (line) => console.log(line);
  const env = process.env;
  switch (command) {
    case 'build':
      await buildTemporalServer({ log });
      return;
    case 'schema': {
      const postgres = postgresFromEnv(env);
      await buildTemporalServer({ log });
      await setupTemporalSchema({ ...postgres, log });
      return;
    }
    case 'start': {
      const postgres = postgresFromEnv(env);
      const ports = portsFromEnv(env);
      await buildTemporalServer({ log });
      const logFile = join(TEMPORAL_SERVER_HOME, 'server.log');
      const server = await startTemporalServer({
        ...postgres,
        ip: env.BIND_ON_IP ?? '127.0.0.1',
        ports,
        logFile,
        logLevel: env.LOG_LEVEL ?? 'warn',
      });
      const namespace = env.TEMPORAL_NAMESPACE ?? 'default';
      try {
        await registerNamespace({ address: server.address, namespace });
      } catch (err) {
        await server.stop();
        throw err;
      }
      log(
        `temporal server ${TEMPORAL_SERVER_VERSION} is serving on ${server.address}, namespace ${namespace}; log: ${logFile}; Ctrl-C stops it`,
      );
      await new Promise((r) => {
        process.once('SIGINT', r);
        process.once('SIGTERM', r);
      });
      await server.stop();
      log('temporal server stopped');
      return;
    }
    default:
      throw new Error(`usage: node scripts/temporal-server.mjs build|schema|start (got "${command ?? ''}")`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main(process.argv[2]);
  } catch (err) {
    console.error(`temporal-server: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
