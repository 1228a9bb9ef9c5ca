// What a worker process does besides serving Temporal tasks: the recovery
// sweep (at start, then every AUTOBUILD_RECOVERY_INTERVAL) and the outbox
// sweep (every AUTOBUILD_NOTIFY_INTERVAL, sooner when a retry is due). Both
// are safe to run in several workers at once.
import type { Client } from '@temporalio/client';
import type { Pool } from '../db/pool.js';
import { deliverDueNotifications } from '../notifications/deliver.js';
import type { NotificationSink } from '../notifications/sinks.js';
import type { NotificationConfig, ProvisioningConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import { recoverStaleJobs } from './recovery.js';

export interface BackgroundDeps {
  pool: Pool;
  client: Client;
  taskQueue: string;
  log: Logger;
  provisioning: Pick<ProvisioningConfig, 'recoveryGraceMs' | 'recoveryIntervalMs'>;
  notifications: NotificationConfig;
  sink: NotificationSink;
}

export interface Background {
  stop(): Promise<void>;
}

export function startBackgroundTasks(deps: BackgroundDeps): Background {
  const { pool, client, taskQueue, log, provisioning, notifications, sink } = deps;
  const loops = [
    repeat('recovery sweep', log, async () => {
      const report = await recoverStaleJobs({ pool, client, taskQueue, log }, provisioning.recoveryGraceMs);
      if (report.handedOff.length || report.failed.length) log.info('recovery sweep', { ...report });
      return provisioning.recoveryIntervalMs;
    }),
    repeat('notification sweep', log, async () => {
      const report = await deliverDueNotifications({ pool, sink, config: notifications, log });
      const untilDue = report.nextDueAt === null ? Infinity : report.nextDueAt.getTime() - Date.now();
      return Math.max(10, Math.min(notifications.sweepIntervalMs, untilDue));
    }),
  ];
  return { stop: async () => void (await Promise.all(loops.map((l) => l.stop()))) };
}

/** Runs `once` now and again after the delay it returns; an error is logged and retried after `fallbackMs`. */
function repeat(name: string, log: Logger, once: () => Promise<number>, fallbackMs = 10_000): Background {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => {};
  const done = (async () => {
    while (!stopped) {
      let delay = fallbackMs;
      try {
        delay = await once();
      } catch (err) {
        log.warn(`${name} failed; retrying`, { error: err as Error });
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
      });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      wake();
      await done;
    },
  };
}
