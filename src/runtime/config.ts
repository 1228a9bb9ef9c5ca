// The only module that reads the environment. Every variable is documented in
// the README's configuration table; bad values fail at start with their name.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'pretty';

export interface TemporalTarget {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
}

export interface Config {
  /** Folder for embedded data (Postgres cluster, Temporal SQLite file, runtime.json). */
  dataDir: string;
  /** External database; null = start the embedded PostgreSQL. */
  databaseUrl: string | null;
  embeddedPostgresPort: number;
  /** External Temporal; null = start the Temporal CLI dev server. */
  temporal: TemporalTarget | null;
  temporalNamespace: string;
  temporalCliPath: string | null;
  devServer: { port: number; uiPort: number; ip: string };
  taskQueue: string;
  log: { level: LogLevel; format: LogFormat | 'auto' };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolvePath(nonEmpty(env, 'AUTOBUILD_DATA_DIR') ?? '.data');
  const namespace = nonEmpty(env, 'TEMPORAL_NAMESPACE') ?? 'default';
  return {
    dataDir,
    databaseUrl: parseDatabaseUrl(env),
    embeddedPostgresPort: port(env, 'AUTOBUILD_PG_PORT', 55432),
    temporal: loadTemporalTarget(env, namespace),
    temporalNamespace: namespace,
    temporalCliPath: nonEmpty(env, 'TEMPORAL_CLI_PATH') ?? null,
    devServer: {
      port: port(env, 'AUTOBUILD_TEMPORAL_PORT', 7233),
      uiPort: port(env, 'AUTOBUILD_TEMPORAL_UI_PORT', 8233),
      ip: nonEmpty(env, 'AUTOBUILD_TEMPORAL_IP') ?? '127.0.0.1',
    },
    taskQueue: nonEmpty(env, 'AUTOBUILD_TASK_QUEUE') ?? 'autobuild',
    log: {
      level: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
      format: oneOf(env, 'LOG_FORMAT', ['auto', 'json', 'pretty'] as const, 'auto'),
    },
  };
}

/** The PATH as a list, for finding the `temporal` binary (kept here: no other module reads the environment). */
export function searchPath(env: Env = process.env): string[] {
  return (env.PATH ?? '').split(':').filter(Boolean);
}

function resolvePath(p: string): string {
  return isAbsolute(p) ? p : resolve(join(projectRoot, p));
}

function nonEmpty(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ConfigError(`${name} must be a port number between 1 and 65535, got "${raw}"`);
  }
  return n;
}

function oneOf<const T extends readonly string[]>(env: Env, name: string, allowed: T, fallback: T[number]): T[number] {
  const raw = nonEmpty(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T[number];
}

function parseDatabaseUrl(env: Env): string | null {
  const raw = nonEmpty(env, 'DATABASE_URL');
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got "${url.protocol}//"`);
  }
  return raw;
}

function loadTemporalTarget(env: Env, namespace: string): TemporalTarget | null {
  if (nonEmpty(env, 'TEMPORAL_ADDRESS') === undefined) return null;
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  try {
    const { connectionOptions, namespace: ns } = loadClientConnectConfig({ overrideEnvVars });
    return { connectionOptions, namespace: ns ?? namespace };
  } catch (err) {
    throw new ConfigError(`Temporal configuration (TEMPORAL_*) is invalid: ${(err as Error).message}`);
  }
}

/** A connection string with its password replaced, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
