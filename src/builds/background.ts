// What a worker process does besides serving Temporal tasks: the recovery
// sweep (at start, then every AUTOBUILD_RECOVERY_INTERVAL), the notification
// deliverer (src/notifications/deliverer.ts), the removal of old evaluation
// records, and retention (src/builds/retention.ts). Each is safe to run in
// several workers at once.
import type { Client } from '@temporalio/client';
import type { Pool } from '../db/pool.js';
import { pruneEvaluations } from '../db/sql/record-evaluation.js';
import { DAY, HOUR } from '../lifecycle/index.js';
import type { Metrics } from '../metrics/metrics.js';
import { startDeliverer } from '../notifications/deliverer.js';
import type { NotificationSink } from '../notifications/sinks.js';
import type { NotificationConfig, ProvisioningConfig, RetentionConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import { repeat } from '../runtime/repeat.js';
import { recoverStaleJobs } from './recovery.js';
import { startRetention } from './retention.js';

export interface BackgroundDeps {
  pool: Pool;
  databaseUrl: string;
  client: Client;
  taskQueue: string;
  log: Logger;
  provisioning: Pick<ProvisioningConfig, 'recoveryGraceMs' | 'recoveryIntervalMs'>;
  notifications: NotificationConfig;
  sink: NotificationSink;
  /** Notifications delivered and failed are counted here. */
  metrics?: Metrics;
  retention: RetentionConfig;
}

export interface Background {
  stop(): Promise<void>;
}

/**
 * An evaluation's record only answers a retry of that same evaluation, which
 * Temporal gives up on within minutes; a week is far beyond any attempt.
 */
const EVALUATION_RECORD_AGE_MS = 7 * DAY;

export function startBackgroundTasks(deps: BackgroundDeps): Background {
  const { pool, client, taskQueue, log, provisioning } = deps;
  const loops = [
    repeat('recovery sweep', log, async () => {
      const report = await recoverStaleJobs({ pool, client, taskQueue, log }, provisioning.recoveryGraceMs);
      if (report.handedOff.length || report.failed.length) log.info('recovery sweep', { ...report });
      return provisioning.recoveryIntervalMs;
    }),
    repeat('evaluation record pruning', log, async () => {
      // Small batches: a short lock and a short transaction each.
      const removed = await pruneEvaluations(pool, EVALUATION_RECORD_AGE_MS, 1000);
      return removed === 1000 ? 1000 : HOUR;
    }),
    startDeliverer({ pool, databaseUrl: deps.databaseUrl, sink: deps.sink, config: deps.notifications, log, metrics: deps.metrics }),
    ...startRetention({ pool, log, retention: deps.retention }),
  ];
  return { stop: async () => void (await Promise.all(loops.map((l) => l.stop()))) };
}
