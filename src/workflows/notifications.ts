// Delivering the notification outbox from workflows, after the transaction
// that wrote the notifications has committed.
import { isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { deliverNotifications } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  // The activity asks for its retry exactly when the failed notification's backoff ends.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
});

/**
 * Delivers every due notification. Never fails its caller: what is still
 * undelivered stays in the outbox and the worker's sweep keeps trying.
 */
export async function deliverNotificationsAfterCommit(): Promise<void> {
  try {
    await deliverNotifications();
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('notifications not delivered yet; the outbox sweep will retry', { error: (err as Error).message });
  }
}

/** A workflow around it, for code outside workflows (an operation that wrote a notification). */
export async function deliverOutbox(): Promise<void> {
  await deliverNotificationsAfterCommit();
}
