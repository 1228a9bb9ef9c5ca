// Delivery of the notification outbox after a commit, with Temporal's retries:
// a failed send is retried when its backoff expires (nextRetryDelay).
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from '../db/pool.js';
import { deliverDueNotifications } from '../notifications/deliver.js';
import type { NotificationSink } from '../notifications/sinks.js';
import type { NotificationConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';

export interface NotificationActivityDeps {
  pool: Pool;
  log: Logger;
  sink: NotificationSink;
  notifications: NotificationConfig;
}

export function createNotificationActivities(deps: NotificationActivityDeps) {
  return {
    /** Delivers every due notification; fails (to be retried) while some could not be delivered. */
    async deliverNotifications(): Promise<{ delivered: number }> {
      const report = await deliverDueNotifications({ pool: deps.pool, sink: deps.sink, config: deps.notifications, log: deps.log });
      if (report.failed > 0) {
        const waitMs = report.nextDueAt === null ? deps.notifications.retryBaseMs : report.nextDueAt.getTime() - Date.now();
        throw ApplicationFailure.create({
          message: `${report.failed} notification(s) not delivered yet; retrying`,
          type: 'NotificationsUndelivered',
          nextRetryDelay: Math.max(waitMs, 10),
        });
      }
      return { delivered: report.delivered };
    },
  };
}
