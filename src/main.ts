// `npm start`: migrations, the embedded services where no external ones are
// configured, and the worker. Ctrl-C drains the worker and stops what we started.
// First: tracing hooks pg as pg loads (src/runtime/start-tracing.ts).
import './runtime/start-tracing.js';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { adviseFirstToken } from './api/first-token.js';
import { startApi } from './api/service.js';
import { startBackgroundTasks } from './builds/background.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { readOutboxBacklog } from './db/sql/outbox-backlog.js';
import { checkReadiness } from './metrics/health.js';
import { Metrics } from './metrics/metrics.js';
import { type MetricsServer, startMetricsServer } from './metrics/server.js';
import { installTemporalRuntime } from './metrics/temporal-runtime.js';
import { createSink } from './notifications/sinks.js';
import { loadConfig } from './runtime/config.js';
import { createLogger, temporalLogger } from './runtime/logger.js';
import { runMain } from './runtime/run-main.js';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime/runtime-file.js';
import { ensureTickSchedule, TICK_SCHEDULE_ID } from './runtime/schedule.js';
import { startServices } from './runtime/services.js';
import { processTracing as tracing } from './runtime/start-tracing.js';
import { connectWorker, registerSearchAttributes } from './runtime/temporal.js';
import { createWorker } from './worker.js';

await runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config.log);
  const { host: metricsHost, port: metricsPort, sdkPort } = config.metrics;
  const sdkMetricsUrl = await installTemporalRuntime(
    { logger: temporalLogger(log.child({ component: 'temporal' })) },
    metricsHost,
    sdkPort,
  );

  const services = await startServices(config, log);
  const pool = createPool(services.databaseUrl, 10, config.database);
  try {
    const { applied, unknown } = await migrate(pool);
    log.info('database ready', { migrationsApplied: applied.length, ...(unknown.length ? { newerMigrations: unknown } : {}) });

    const { connectionOptions, namespace } = services.temporal;
    // One connection, the worker's native one, for the worker and for the client its activities
    // use: build workflows then start eagerly (their first task comes back in the start
    // response), and the process holds no second gRPC stack.
    const connection = await connectWorker(connectionOptions);
    let health: MetricsServer | undefined;
    try {
      const added = await registerSearchAttributes(connection, namespace);
      if (added.length) log.info('registered search attributes', { added });
      // Its interceptors put a build workflow in the trace of the evaluation that started it.
      const client = new Client({ connection, namespace, interceptors: tracing.clientInterceptors });
      const schedule = await ensureTickSchedule(client, config.taskQueue, config.tick);
      log.info(`tick schedule ${schedule}`, { scheduleId: TICK_SCHEDULE_ID, ...config.tick });
      // /metrics, /healthz and /readyz from here on; ready once the worker below runs.
      const metrics = new Metrics();
      metrics.watchOutbox(() => readOutboxBacklog(pool));
      let worker: Worker | undefined;
      health = await startMetricsServer({
        host: metricsHost,
        port: metricsPort,
        metrics,
        readiness: () => checkReadiness({ pool, connection, worker: () => worker }),
      });
      await writeRuntimeInfo(config.dataDir, {
        pid: process.pid,
        databaseUrl: services.databaseUrl,
        externalDatabase: config.databaseUrl !== null,
        temporalAddress: connectionOptions.address ?? '',
        namespace,
        taskQueue: config.taskQueue,
        uiUrl: services.uiUrl,
        metricsUrl: `${health.url}/metrics`,
        healthUrl: `${health.url}/healthz`,
        readyUrl: `${health.url}/readyz`,
        sdkMetricsUrl,
        startedAt: new Date().toISOString(),
      });
      worker = await createWorker({
        connection,
        namespace,
        taskQueue: config.taskQueue,
        pool,
        log,
        client,
        eagerStart: true,
        provisioning: config.provisioning,
        defaultQuietHoursSchedule: config.defaultQuietHoursSchedule,
        tracing,
        metrics,
        publicUrl: config.publicUrl,
      });
      const api = await startApi({
        pool,
        client,
        taskQueue: config.taskQueue,
        log: log.child({ component: 'api' }),
        ...config.api,
        defaultQuietHours: config.defaultQuietHoursSchedule,
        web: {
          sessionSecret: config.web.sessionSecret,
          temporalUi: { url: config.web.temporalUiUrl ?? services.uiUrl ?? null, namespace },
        },
      });
      await adviseFirstToken(pool, log, api.url);
      log.info(`autobuild is running; open the dashboard at ${api.url}/ ; press Ctrl-C to stop`, {
        dashboard: `${api.url}/`,
        api: api.url,
        temporalUI: services.uiUrl ?? 'see your Temporal cluster',
        taskQueue: config.taskQueue,
        metrics: `${health.url}/metrics`,
        sdkMetrics: sdkMetricsUrl,
      });
      // Recovery sweep (no job stays pending) and the notification deliverer (no notification is lost).
      const background = startBackgroundTasks({
        pool,
        databaseUrl: services.databaseUrl,
        client,
        taskQueue: config.taskQueue,
        log,
        provisioning: config.provisioning,
        notifications: config.notifications,
        sink: createSink(config.notifications, log.child({ component: 'notifications' })),
        retention: config.retention,
        metrics,
      });
      try {
        await worker.run(); // resolves after SIGINT/SIGTERM, once in-flight tasks drain
      } finally {
        await Promise.all([background.stop(), api.close()]);
      }
      log.info('worker stopped');
    } finally {
      // Also when the start fails half-way: an open connection or server would keep the process alive.
      await health?.close();
      await connection.close();
    }
  } finally {
    await removeRuntimeInfo(config.dataDir);
    await pool.end();
    await services.stop();
    await tracing.shutdown(); // exports the spans still buffered
  }
});
