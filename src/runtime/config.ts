// The only module that reads the environment. Every variable is documented in
// the README's configuration table; bad values fail at start with their name.

import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { DAY, DEFAULT_QUIET_HOURS_SCHEDULE, parseDailySchedule, parseDuration } from '../lifecycle/index.js';
import { WEBHOOK_SECRET_MIN_LENGTH } from '../notifications/signature.js';

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
  provisioning: ProvisioningConfig;
  notifications: NotificationConfig;
  tick: TickConfig;
  /** The HTTP API (docs/api.md): loopback unless AUTOBUILD_API_HOST says otherwise. */
  api: { host: string; port: number };
  /** AUTOBUILD_PUBLIC_URL: where people reach the API, the base of the action links in notifications (docs/rules.md#reminder-actions); no trailing slash. */
  publicUrl: string;
  /** The web dashboard the API serves (README.md#web-dashboard). */
  web: WebConfig;
  /** The worker's /metrics, /healthz and /readyz, and the Temporal SDK's metrics (docs/operations.md#metrics-and-health). */
  metrics: MetricsConfig;
  /** Limits on the service's database statements (docs/operations.md#database-timeouts), in milliseconds. */
  database: { statementTimeoutMs: number; lockTimeoutMs: number };
  /** How long the worker keeps what it may remove (docs/operations.md#retention). */
  retention: RetentionConfig;
  /** AUTOBUILD_DEFAULT_QUIET_HOURS: the quiet hours of owners who have none (docs/rules.md#daily-schedule), normalized. */
  defaultQuietHoursSchedule: string;
  /** OpenTelemetry tracing (docs/operations.md#tracing); null = off, OTEL_EXPORTER_OTLP_ENDPOINT unset. */
  tracing: TracingConfig | null;
}

/**
 * Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT is set. The OTLP exporter
 * reads that variable and the other standard OTEL_EXPORTER_OTLP_* ones
 * (headers, timeout, a traces-only endpoint) itself.
 */
export interface TracingConfig {
  /** OTEL_SERVICE_NAME: `service.name` on every span. */
  serviceName: string;
}

/** Ages in milliseconds past which the worker removes rows (docs/operations.md#retention); null = kept forever. */
export interface RetentionConfig {
  /** Notifications, by the time they were delivered; undelivered ones are always kept. */
  deliveredNotificationsMs: number | null;
  /** The logs of finished jobs, by the time the job finished. */
  jobLogsMs: number | null;
  /** Deleted workspaces with their builds, jobs and notifications, by the time the delete build finished. */
  deletedWorkspacesMs: number | null;
  /** Audit rows, by the time of the change. */
  auditLogMs: number | null;
}

/** The web dashboard (README.md#web-dashboard). */
export interface WebConfig {
  /** AUTOBUILD_SESSION_SECRET: the key of the session cookies; null = a random one per process (sessions are then not shared). Never logged. */
  sessionSecret: string | null;
  /** AUTOBUILD_TEMPORAL_UI_URL: the Temporal UI the dashboard links to; null = the embedded dev server's, or no link. */
  temporalUiUrl: string | null;
}

/** Where the worker serves its metrics and health, and the Temporal SDK its own metrics; port 0 = a free port. */
export interface MetricsConfig {
  /** The address both listen on: loopback unless AUTOBUILD_METRICS_HOST says otherwise. */
  host: string;
  port: number;
  sdkPort: number;
}

/** The per-minute tick (docs/orchestration.md). */
export interface TickConfig {
  /** Candidates per tick run; the tick continues as new after each full page. */
  pageSize: number;
  /** Per-workspace child workflows started and awaited together. */
  batchSize: number;
}

/** How build jobs run (docs/provisioning.md). Durations in milliseconds. */
export interface ProvisioningConfig {
  provisioner: 'simulated' | 'command';
  simulatedDurationMs: number;
  /** Probability in [0, 1] that a simulated build fails. */
  simulatedFailureRate: number;
  /** Executable (run through /bin/sh -c) for the command provisioner; null unless configured. */
  command: string | null;
  /** Variables of the worker's environment passed to the command besides PROVISIONER_BASE_ENV (AUTOBUILD_PROVISIONER_ENV). */
  passEnv: string[];
  timeoutMs: number;
  /** A provisioner silent for longer (a dead worker) is retried on another worker. */
  heartbeatTimeoutMs: number;
  /** A job still pending after this long without a build workflow is handed off again. */
  recoveryGraceMs: number;
  recoveryIntervalMs: number;
}

/** Where the notification outbox is delivered (docs/operations.md). Durations in milliseconds. */
export interface NotificationConfig {
  /** null = a structured log line per notification. */
  webhookUrl: string | null;
  /** HMAC key of the Autobuild-Signature header (src/notifications/signature.ts); null = unsigned. */
  webhookSecret: string | null;
  webhookTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often the worker sweeps the outbox for undelivered notifications. */
  sweepIntervalMs: number;
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
    provisioning: loadProvisioningConfig(env),
    notifications: loadNotificationConfig(env),
    tick: {
      pageSize: count(env, 'AUTOBUILD_TICK_PAGE_SIZE', 500, 1000),
      batchSize: count(env, 'AUTOBUILD_TICK_BATCH_SIZE', 100, 500),
    },
    defaultQuietHoursSchedule: loadDefaultQuietHours(env),
    api: {
      host: nonEmpty(env, 'AUTOBUILD_API_HOST') ?? '127.0.0.1',
      port: port(env, 'AUTOBUILD_API_PORT', 7080, { zero: true }),
    },
    publicUrl: loadPublicUrl(env),
    web: loadWebConfig(env),
    metrics: loadMetricsConfig(env),
    database: {
      statementTimeoutMs: duration(env, 'AUTOBUILD_DB_STATEMENT_TIMEOUT', '30s', 1000),
      lockTimeoutMs: duration(env, 'AUTOBUILD_DB_LOCK_TIMEOUT', '10s', 100),
    },
    retention: loadRetentionConfig(env),
    tracing: loadTracingConfig(env),
  };
}

/**
 * AUTOBUILD_PUBLIC_URL, the base of the action links in notifications (docs/rules.md#reminder-actions):
 * default the API's own address, http://127.0.0.1:<AUTOBUILD_API_PORT>. No query or fragment, since a link's token travels in its path.
 */
export function loadPublicUrl(env: Env = process.env): string {
  const raw = nonEmpty(env, 'AUTOBUILD_PUBLIC_URL');
  if (raw === undefined) return `http://127.0.0.1:${port(env, 'AUTOBUILD_API_PORT', 7080, { zero: true })}`;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`AUTOBUILD_PUBLIC_URL must be an http:// or https:// URL without a query or fragment, got "${shown(raw)}"`);
  }
  return url.href.replace(/\/+$/, '');
}

export function loadMetricsConfig(env: Env = process.env): MetricsConfig {
  const metrics = {
    host: nonEmpty(env, 'AUTOBUILD_METRICS_HOST') ?? '127.0.0.1',
    port: port(env, 'AUTOBUILD_METRICS_PORT', 9464, { zero: true }),
    sdkPort: port(env, 'AUTOBUILD_SDK_METRICS_PORT', 9465, { zero: true }),
  };
  if (metrics.port !== 0 && metrics.port === metrics.sdkPort) {
    throw new ConfigError(`AUTOBUILD_METRICS_PORT and AUTOBUILD_SDK_METRICS_PORT must differ, both are ${metrics.port}`);
  }
  return metrics;
}

/** The shortest AUTOBUILD_SESSION_SECRET: the session key is derived from it, and a short one could be guessed. */
export const SESSION_SECRET_MIN_LENGTH = 32;

export function loadWebConfig(env: Env = process.env): WebConfig {
  const name = 'AUTOBUILD_SESSION_SECRET';
  const raw = env[name];
  let sessionSecret: string | null = null;
  if (raw !== undefined && raw.trim() !== '') {
    // Every API process must derive the same key from the same text: a stray space or newline would split them.
    if (raw !== raw.trim()) throw new ConfigError(`${name} must not start or end with whitespace`);
    if (raw.length < SESSION_SECRET_MIN_LENGTH) {
      throw new ConfigError(`${name} must be at least ${SESSION_SECRET_MIN_LENGTH} characters (e.g. openssl rand -hex 32)`);
    }
    sessionSecret = raw;
  }
  const ui = nonEmpty(env, 'AUTOBUILD_TEMPORAL_UI_URL');
  if (ui !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(ui);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError(
        `AUTOBUILD_TEMPORAL_UI_URL must be an http:// or https:// URL such as http://localhost:8233, got "${shown(ui)}"`,
      );
    }
  }
  return { sessionSecret, temporalUiUrl: ui === undefined ? null : ui.replace(/\/+$/, '') };
}

/** OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on (src/main.ts reads this before anything loads pg). */
export function loadTracingConfig(env: Env = process.env): TracingConfig | null {
  const endpoint = nonEmpty(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (endpoint === undefined) return null;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  // Not echoed: a collector's URL may carry a token.
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL of an OTLP/HTTP collector, such as http://localhost:4318',
    );
  }
  return { serviceName: nonEmpty(env, 'OTEL_SERVICE_NAME') ?? 'autobuild' };
}

export function loadRetentionConfig(env: Env = process.env): RetentionConfig {
  return {
    deliveredNotificationsMs: retention(env, 'AUTOBUILD_RETENTION_NOTIFICATIONS', '30d'),
    jobLogsMs: retention(env, 'AUTOBUILD_RETENTION_JOB_LOGS', '30d'),
    deletedWorkspacesMs: retention(env, 'AUTOBUILD_RETENTION_DELETED_WORKSPACES', '90d'),
    auditLogMs: retention(env, 'AUTOBUILD_RETENTION_AUDIT', '365d'),
  };
}

/** AUTOBUILD_DEFAULT_QUIET_HOURS: a daily schedule, stored with its fields separated by single spaces. */
export function loadDefaultQuietHours(env: Env = process.env): string {
  const raw = nonEmpty(env, 'AUTOBUILD_DEFAULT_QUIET_HOURS');
  if (raw === undefined) return DEFAULT_QUIET_HOURS_SCHEDULE;
  const spec = raw.split(/\s+/).join(' ');
  try {
    parseDailySchedule(spec);
  } catch (err) {
    const message = (err as Error).message;
    const prefix = `invalid schedule "${spec}": `;
    const problem = message.startsWith(prefix) ? message.slice(prefix.length) : message;
    throw new ConfigError(
      `AUTOBUILD_DEFAULT_QUIET_HOURS must be a daily schedule such as "CRON_TZ=Europe/Berlin 30 23 * * *", got "${shown(spec)}": ${shown(problem, 120)}`,
    );
  }
  return spec;
}

function count(env: Env, name: string, fallback: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ConfigError(`${name} must be a whole number from 1 to ${max}, got "${shown(raw)}"`);
  return n;
}

export function loadProvisioningConfig(env: Env = process.env): ProvisioningConfig {
  const provisioner = oneOf(env, 'AUTOBUILD_PROVISIONER', ['simulated', 'command'] as const, 'simulated');
  const command = nonEmpty(env, 'AUTOBUILD_PROVISIONER_COMMAND') ?? null;
  if (provisioner === 'command' && command === null) {
    throw new ConfigError('AUTOBUILD_PROVISIONER=command needs AUTOBUILD_PROVISIONER_COMMAND (the executable to run for each job)');
  }
  return {
    provisioner,
    simulatedDurationMs: duration(env, 'AUTOBUILD_SIMULATED_DURATION', '3s'),
    simulatedFailureRate: fraction(env, 'AUTOBUILD_SIMULATED_FAILURE_RATE', 0),
    command,
    passEnv: nameList(env, 'AUTOBUILD_PROVISIONER_ENV'),
    timeoutMs: duration(env, 'AUTOBUILD_PROVISIONER_TIMEOUT', '10m', 1),
    heartbeatTimeoutMs: duration(env, 'AUTOBUILD_PROVISIONER_HEARTBEAT_TIMEOUT', '30s', 1000),
    recoveryGraceMs: duration(env, 'AUTOBUILD_RECOVERY_GRACE', '30s'),
    recoveryIntervalMs: duration(env, 'AUTOBUILD_RECOVERY_INTERVAL', '1m', 1),
  };
}

export function loadNotificationConfig(env: Env = process.env): NotificationConfig {
  const raw = nonEmpty(env, 'AUTOBUILD_NOTIFY_WEBHOOK_URL');
  if (raw !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    // Not echoed: a webhook URL often carries a token.
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError('AUTOBUILD_NOTIFY_WEBHOOK_URL must be an http:// or https:// URL');
    }
  }
  const retryBaseMs = duration(env, 'AUTOBUILD_NOTIFY_RETRY_BACKOFF', '1s', 1);
  const retryMaxMs = duration(env, 'AUTOBUILD_NOTIFY_RETRY_MAX_BACKOFF', '5m', 1);
  if (retryMaxMs < retryBaseMs) {
    throw new ConfigError('AUTOBUILD_NOTIFY_RETRY_MAX_BACKOFF must not be shorter than AUTOBUILD_NOTIFY_RETRY_BACKOFF');
  }
  return {
    webhookUrl: raw ?? null,
    webhookSecret: webhookSecret(env),
    webhookTimeoutMs: duration(env, 'AUTOBUILD_NOTIFY_WEBHOOK_TIMEOUT', '10s', 1),
    retryBaseMs,
    retryMaxMs,
    sweepIntervalMs: duration(env, 'AUTOBUILD_NOTIFY_INTERVAL', '30s', 1),
  };
}

/** AUTOBUILD_NOTIFY_WEBHOOK_SECRET, used as given: never trimmed, never echoed. */
function webhookSecret(env: Env): string | null {
  const name = 'AUTOBUILD_NOTIFY_WEBHOOK_SECRET';
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return null;
  // Receivers verify with the same text: a stray space or newline would make every signature fail.
  if (raw !== raw.trim()) throw new ConfigError(`${name} must not start or end with whitespace`);
  if (raw.length < WEBHOOK_SECRET_MIN_LENGTH) {
    throw new ConfigError(`${name} must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters (e.g. openssl rand -hex 32)`);
  }
  return raw;
}

/**
 * The longest duration a setting may have. Node's timers cannot wait longer
 * than 2^31−1 ms (about 24.8 days): a longer delay fires after 1 ms, so a
 * provisioner timeout of 25d would kill every command at once.
 */
const CONFIG_DURATION_MAX_MS = 24 * 24 * 60 * 60 * 1000;

function duration(env: Env, name: string, fallback: string, minimumMs = 0): number {
  const raw = nonEmpty(env, name) ?? fallback;
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch {
    throw new ConfigError(`${name} must be a duration such as 30s, 10m, 1h30m or 0, got "${shown(raw)}"`);
  }
  if (ms < minimumMs) throw new ConfigError(`${name} must be at least ${minimumMs} ms, got "${shown(raw)}"`);
  if (ms > CONFIG_DURATION_MAX_MS) throw new ConfigError(`${name} must be at most 24d, got "${shown(raw)}"`);
  return ms;
}

/**
 * A retention setting: `forever`, or an age from a day (no retry of the engine
 * or of a delivery comes that late, so nothing removed can still be needed) to
 * 36500 days (a hundred years is forever in all but name; a far longer age
 * would put the cutoff before the first instant PostgreSQL can store). The age
 * is compared with the database clock, never waited for with a timer, so the
 * 24d limit of the other durations does not apply.
 */
function retention(env: Env, name: string, fallback: string): number | null {
  const raw = nonEmpty(env, name) ?? fallback;
  if (raw.toLowerCase() === 'forever') return null;
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch {
    ms = Number.NaN;
  }
  if (!(ms >= DAY && ms <= 36_500 * DAY)) {
    throw new ConfigError(`${name} must be forever or a duration from 1d to 36500d, such as 30d, got "${shown(raw)}"`);
  }
  return ms;
}

/** A value quoted in a message: short, on one line. */
function shown(raw: string, max = 40): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const line = raw.replace(/[\u0000-\u001f\u007f]/g, '?');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function fraction(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new ConfigError(`${name} must be a number from 0 to 1, got "${shown(raw)}"`);
  return n;
}

/** What every provisioner command gets of the worker's environment; nothing else unless AUTOBUILD_PROVISIONER_ENV names it. */
const PROVISIONER_BASE_ENV = ['PATH', 'HOME', 'LANG', 'TZ'] as const;

/**
 * The environment a provisioner command starts with (the command provisioner
 * adds the job's AUTOBUILD_* variables): an allowlist, so that the worker's
 * secrets (DATABASE_URL, TEMPORAL_API_KEY, the webhook URL) never reach a
 * command, its output, the job's error or a notification.
 */
export function provisionerEnvironment(passEnv: readonly string[], env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...PROVISIONER_BASE_ENV, ...passEnv]) {
    const value = env[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** A comma-separated list of environment variable names. */
function nameList(env: Env, name: string): string[] {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return [];
  const names = raw
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const bad = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  if (bad !== undefined) throw new ConfigError(`${name} must be a comma-separated list of variable names, got "${shown(bad)}"`);
  return names;
}

/**
 * AUTOBUILD_TASK_QUEUE when it is set, else null: the CLI then uses the queue
 * that `npm start` recorded in runtime.json (Config.taskQueue has a default).
 */
export function explicitTaskQueue(env: Env = process.env): string | null {
  return nonEmpty(env, 'AUTOBUILD_TASK_QUEUE') ?? null;
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

/** A TCP port; with `zero`, 0 asks the system for a free one (the chosen address is logged). */
function port(env: Env, name: string, fallback: number, opts: { zero?: boolean } = {}): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const min = opts.zero ? 0 : 1;
  if (!Number.isInteger(n) || n < min || n > 65535) {
    throw new ConfigError(`${name} must be a port number between ${min} and 65535, got "${shown(raw)}"`);
  }
  return n;
}

function oneOf<const T extends readonly string[]>(env: Env, name: string, allowed: T, fallback: T[number]): T[number] {
  const raw = nonEmpty(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${shown(raw)}"`);
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
  const overrideEnvVars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  try {
    const { connectionOptions, namespace: ns } = loadClientConnectConfig({ overrideEnvVars });
    return { connectionOptions, namespace: ns ?? namespace };
  } catch (err) {
    throw new ConfigError(`Temporal configuration (TEMPORAL_*) is invalid: ${(err as Error).message}`);
  }
}

export { redactUrl } from './secrets.js';
