// Delivers the outbox: every due notification is claimed under a lease, sent
// to the sink with its stable id, and marked delivered; a failed send is
// retried later with exponential backoff. Nothing is dropped: a notification
// leaves the outbox only when the sink has taken it.
import type { Pool } from '../db/pool.js';
import {
  claimDueNotifications,
  markNotificationDelivered,
  markNotificationFailed,
  msUntilNextNotification,
} from '../db/sql/notification-delivery.js';
import type { Metrics } from '../metrics/metrics.js';
import type { NotificationConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import type { NotificationSink } from './sinks.js';

export interface DeliveryReport {
  delivered: number;
  failed: number;
  /** How long until the earliest undelivered notification is due, by the database clock; null when the outbox is empty. */
  nextDueInMs: number | null;
}

/** Small batches keep the lease short: a deliverer that dies mid-batch delays these rows by one lease. */
const BATCH = 20;

export interface DeliveryDeps {
  pool: Pool;
  sink: NotificationSink;
  config: Pick<NotificationConfig, 'retryBaseMs' | 'retryMaxMs' | 'webhookTimeoutMs'>;
  log: Logger;
  metrics?: Metrics;
}

/** Retry n (1-based) waits base × 2^(n−1), at most max. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
}

export async function deliverDueNotifications({ pool, sink, config, log, metrics }: DeliveryDeps): Promise<DeliveryReport> {
  // The lease outlives one send of the whole batch, so no second deliverer takes these rows meanwhile.
  const leaseMs = config.webhookTimeoutMs * BATCH + 30_000;
  let delivered = 0;
  let failed = 0;
  for (;;) {
    const batch = await claimDueNotifications(pool, BATCH, leaseMs);
    for (const n of batch) {
      try {
        await sink.send({
          id: n.id,
          kind: n.kind,
          workspaceId: n.workspaceId,
          userId: n.userId,
          createdAt: n.createdAt.toISOString(),
          payload: n.payload,
        });
        await markNotificationDelivered(pool, n.id);
        metrics?.notificationDelivered(n.kind);
        delivered++;
      } catch (err) {
        const message = (err as Error).message;
        const retryIn = backoffMs(n.attempts + 1, config.retryBaseMs, config.retryMaxMs);
        metrics?.notificationFailed(n.kind);
        await markNotificationFailed(pool, n.id, message, retryIn);
        log.warn('notification delivery failed; will retry', {
          notificationId: n.id,
          kind: n.kind,
          attempt: n.attempts + 1,
          retryInMs: retryIn,
          error: message,
        });
        failed++;
      }
    }
    if (batch.length < BATCH) break;
  }
  return { delivered, failed, nextDueInMs: await msUntilNextNotification(pool) };
}
