import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY } from '../../src/lifecycle/index.js';
import { ConfigError, loadConfig, projectRoot, redactUrl } from '../../src/runtime/config.js';

describe('configuration', () => {
  it('defaults to the embedded services under .data with the documented ports', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeNull();
    expect(c.temporal).toBeNull();
    expect(c.dataDir).toBe(join(projectRoot, '.data'));
    expect(c.embeddedPostgresPort).toBe(55432);
    expect(c.devServer).toEqual({ port: 7233, uiPort: 8233, ip: '127.0.0.1' });
    expect(c.taskQueue).toBe('autobuild');
    expect(c.temporalNamespace).toBe('default');
    expect(c.log).toEqual({ level: 'info', format: 'auto' });
  });

  it('uses an external Temporal when TEMPORAL_ADDRESS is set, with the namespace and API key conventions', () => {
    const c = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_NAMESPACE: 'prod', TEMPORAL_API_KEY: 'k' });
    expect(c.temporal?.connectionOptions.address).toBe('temporal.example:7233');
    expect(c.temporal?.connectionOptions.apiKey).toBe('k');
    expect(c.temporal?.connectionOptions.tls).toBeTruthy(); // an API key turns TLS on
    expect(c.temporal?.namespace).toBe('prod');
  });

  it.each([
    [{ AUTOBUILD_PG_PORT: '0' }, /AUTOBUILD_PG_PORT must be a port number/],
    [{ AUTOBUILD_TEMPORAL_PORT: '70000' }, /AUTOBUILD_TEMPORAL_PORT must be a port number/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of debug, info, warn, error, got "loud"/],
    [{ LOG_FORMAT: 'xml' }, /LOG_FORMAT must be one of auto, json, pretty/],
    [{ DATABASE_URL: 'mysql://x@y/z' }, /DATABASE_URL must start with postgres:\/\//],
    [{ DATABASE_URL: '::' }, /DATABASE_URL is not a valid URL/],
    [{ AUTOBUILD_TICK_PAGE_SIZE: '0' }, /AUTOBUILD_TICK_PAGE_SIZE must be a whole number from 1 to 1000, got "0"/],
    [{ AUTOBUILD_TICK_PAGE_SIZE: '1001' }, /AUTOBUILD_TICK_PAGE_SIZE must be a whole number from 1 to 1000, got "1001"/],
    [{ AUTOBUILD_TICK_BATCH_SIZE: '0' }, /AUTOBUILD_TICK_BATCH_SIZE must be a whole number from 1 to 500, got "0"/],
    [{ AUTOBUILD_TICK_BATCH_SIZE: '501' }, /AUTOBUILD_TICK_BATCH_SIZE must be a whole number from 1 to 500, got "501"/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    [{}, { pageSize: 500, batchSize: 100 }],
    [
      { AUTOBUILD_TICK_PAGE_SIZE: '1000', AUTOBUILD_TICK_BATCH_SIZE: '500' },
      { pageSize: 1000, batchSize: 500 },
    ],
    [
      { AUTOBUILD_TICK_PAGE_SIZE: '1', AUTOBUILD_TICK_BATCH_SIZE: '1' },
      { pageSize: 1, batchSize: 1 },
    ],
  ])('accepts tick sizes %j within 1–1000 (page) and 1–500 (batch)', (env, tick) => {
    expect(loadConfig(env).tick).toEqual(tick);
  });

  it('default quiet hours: CRON_TZ=UTC 0 0 * * * unless AUTOBUILD_DEFAULT_QUIET_HOURS names a daily schedule, kept in its normal form', () => {
    expect(loadConfig({}).defaultQuietHoursSchedule).toBe('CRON_TZ=UTC 0 0 * * *');
    expect(loadConfig({ AUTOBUILD_DEFAULT_QUIET_HOURS: '' }).defaultQuietHoursSchedule).toBe('CRON_TZ=UTC 0 0 * * *');
    expect(loadConfig({ AUTOBUILD_DEFAULT_QUIET_HOURS: 'CRON_TZ=Asia/Tokyo 0 3 * * *' }).defaultQuietHoursSchedule).toBe(
      'CRON_TZ=Asia/Tokyo 0 3 * * *',
    );
    expect(loadConfig({ AUTOBUILD_DEFAULT_QUIET_HOURS: '  CRON_TZ=Europe/Berlin\t30  23 * * * ' }).defaultQuietHoursSchedule).toBe(
      'CRON_TZ=Europe/Berlin 30 23 * * *',
    );
    expect(loadConfig({ AUTOBUILD_DEFAULT_QUIET_HOURS: '0 2 * * *' }).defaultQuietHoursSchedule).toBe('0 2 * * *');
  });

  it.each([
    ['0 3 * * mon-fri', 'the day-of-week field must be * (got "mon-fri")'],
    ['*/30 3 * * *', 'a daily schedule needs a single minute (got "*/30")'],
    ['0 3-4 * * *', 'a daily schedule needs a single hour (got "3-4")'],
    ['CRON_TZ=Mars/Olympus 0 3 * * *', 'Mars/Olympus'],
    ['0 24 * * *', '24'],
    ['@daily', ''],
  ])('AUTOBUILD_DEFAULT_QUIET_HOURS=%j is refused in one line naming the variable', (value, problem) => {
    let message = '';
    try {
      loadConfig({ AUTOBUILD_DEFAULT_QUIET_HOURS: value });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(
      /^AUTOBUILD_DEFAULT_QUIET_HOURS must be a daily schedule such as "CRON_TZ=Europe\/Berlin 30 23 \* \* \*", got "/,
    );
    expect(message).toContain(`got "${value}"`);
    expect(message).toContain(problem);
    expect(message).not.toContain('\n');
  });

  it('database timeouts: 30s for a statement and 10s for a lock unless set; at least 1s and 100ms', () => {
    expect(loadConfig({}).database).toEqual({ statementTimeoutMs: 30_000, lockTimeoutMs: 10_000 });
    expect(loadConfig({ AUTOBUILD_DB_STATEMENT_TIMEOUT: '2m', AUTOBUILD_DB_LOCK_TIMEOUT: '500ms' }).database).toEqual({
      statementTimeoutMs: 120_000,
      lockTimeoutMs: 500,
    });
    expect(() => loadConfig({ AUTOBUILD_DB_STATEMENT_TIMEOUT: '10ms' })).toThrow(
      /^AUTOBUILD_DB_STATEMENT_TIMEOUT must be at least 1000 ms/,
    );
    expect(() => loadConfig({ AUTOBUILD_DB_LOCK_TIMEOUT: 'soon' })).toThrow(/^AUTOBUILD_DB_LOCK_TIMEOUT must be a duration/);
  });

  it('metrics: loopback, 9464 for the worker and 9465 for the Temporal SDK unless set; 0 picks a free port; two fixed ports must differ', () => {
    expect(loadConfig({}).metrics).toEqual({ host: '127.0.0.1', port: 9464, sdkPort: 9465 });
    expect(loadConfig({ AUTOBUILD_METRICS_HOST: '0.0.0.0', AUTOBUILD_METRICS_PORT: '0', AUTOBUILD_SDK_METRICS_PORT: '0' }).metrics).toEqual(
      { host: '0.0.0.0', port: 0, sdkPort: 0 },
    );
    expect(() => loadConfig({ AUTOBUILD_METRICS_PORT: '70000' })).toThrow(
      /^AUTOBUILD_METRICS_PORT must be a port number between 0 and 65535, got "70000"$/,
    );
    expect(() => loadConfig({ AUTOBUILD_SDK_METRICS_PORT: 'nine' })).toThrow(/^AUTOBUILD_SDK_METRICS_PORT must be a port number/);
    expect(() => loadConfig({ AUTOBUILD_SDK_METRICS_PORT: '9464' })).toThrow(
      /^AUTOBUILD_METRICS_PORT and AUTOBUILD_SDK_METRICS_PORT must differ, both are 9464$/,
    );
  });

  it('tracing: off unless OTEL_EXPORTER_OTLP_ENDPOINT is an http(s) URL; service name autobuild unless OTEL_SERVICE_NAME says otherwise', () => {
    expect(loadConfig({}).tracing).toBeNull();
    expect(loadConfig({ OTEL_SERVICE_NAME: 'engine' }).tracing).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({ serviceName: 'autobuild' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example/', OTEL_SERVICE_NAME: 'engine' }).tracing).toEqual({
      serviceName: 'engine',
    });
    for (const endpoint of ['collector:4318', 'grpc://collector:4317', 'not a url']) {
      expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })).toThrow(
        /^OTEL_EXPORTER_OTLP_ENDPOINT must be an http:\/\/ or https:\/\/ URL of an OTLP\/HTTP collector, such as http:\/\/localhost:4318$/,
      );
    }
  });

  it('never shows a database password, in the URL or in its parameters', () => {
    expect(redactUrl('postgres://me:hunter2@db:5432/app')).toBe('postgres://me:***@db:5432/app');
    expect(redactUrl('postgres://me@db/app?password=hunter2&sslpassword=k3y&sslmode=require')).toBe(
      'postgres://me@db/app?password=***&sslpassword=***&sslmode=require',
    );
    expect(redactUrl('not a url')).not.toContain('not a url');
  });

  it('is the only source file that reads process.env', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|mjs|js)$/.test(name) && readFileSync(path, 'utf8').includes('process.env')) offenders.push(path);
      }
    };
    walk(join(projectRoot, 'src'));
    expect(offenders).toEqual([join(projectRoot, 'src/runtime/config.ts')]);
  });
});

describe('retention settings (docs/operations.md#retention)', () => {
  const variables = [
    'AUTOBUILD_RETENTION_NOTIFICATIONS',
    'AUTOBUILD_RETENTION_JOB_LOGS',
    'AUTOBUILD_RETENTION_DELETED_WORKSPACES',
    'AUTOBUILD_RETENTION_AUDIT',
  ];

  it('default to 30d for delivered notifications and job logs, 90d for deleted workspaces, 365d for the audit log', () => {
    expect(loadConfig({}).retention).toEqual({
      deliveredNotificationsMs: 30 * DAY,
      jobLogsMs: 30 * DAY,
      deletedWorkspacesMs: 90 * DAY,
      auditLogMs: 365 * DAY,
    });
  });

  it('take forever (in any case) or a duration from 1d to 36500d, past the 24d of the timer settings', () => {
    expect(
      loadConfig({
        AUTOBUILD_RETENTION_NOTIFICATIONS: 'Forever',
        AUTOBUILD_RETENTION_JOB_LOGS: '1d',
        AUTOBUILD_RETENTION_DELETED_WORKSPACES: '36500d',
        AUTOBUILD_RETENTION_AUDIT: ' 7d12h ',
      }).retention,
    ).toEqual({ deliveredNotificationsMs: null, jobLogsMs: DAY, deletedWorkspacesMs: 36_500 * DAY, auditLogMs: 7.5 * DAY });
  });

  it.each(variables.flatMap((name) => ['0', '23h', '36501d', 'never', '30', '-1d'].map((value) => [name, value] as const)))(
    '%s=%s stops the start with one line naming the variable',
    (name, value) => {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(
        new RegExp(`^${name} must be forever or a duration from 1d to 36500d, such as 30d, got "${value}"$`),
      );
    },
  );
});
