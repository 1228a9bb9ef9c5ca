// Where delivered notifications go: a structured log line by default, or an
// HTTP webhook. A sink throws when the receiver did not take the notification.
import type { NotificationConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';

export interface OutgoingNotification {
  /** Stable across retries: receivers drop a repeat by it. */
  id: string;
  kind: string;
  workspaceId: string;
  userId: string;
  createdAt: string;
  payload: Record<string, unknown>;
}

export interface NotificationSink {
  readonly name: string;
  send(n: OutgoingNotification): Promise<void>;
}

export function logSink(log: Logger): NotificationSink {
  return {
    name: 'log',
    async send(n) {
      log.info('notification', { notificationId: n.id, kind: n.kind, workspaceId: n.workspaceId, userId: n.userId, payload: n.payload });
    },
  };
}

/** POSTs the notification as JSON with `Idempotency-Key: <id>`; any 2xx answer is a delivery. */
export function webhookSink(url: string, timeoutMs: number): NotificationSink {
  return {
    name: 'webhook',
    async send(n) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': n.id, 'user-agent': 'autobuild' },
          body: JSON.stringify(n),
          signal: AbortSignal.timeout(timeoutMs),
          // A redirect would send the body (and its idempotency key) wherever the answer points.
          redirect: 'error',
        });
      } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause?.message;
        throw new Error(`webhook ${origin(url)} unreachable: ${cause ?? (err as Error).message}`);
      }
      await res.body?.cancel().catch(() => {});
      if (!res.ok) throw new Error(`webhook ${origin(url)} answered ${res.status} ${res.statusText}`.trim());
    },
  };
}

export function createSink(config: NotificationConfig, log: Logger): NotificationSink {
  return config.webhookUrl === null ? logSink(log) : webhookSink(config.webhookUrl, config.webhookTimeoutMs);
}

/** Chat-style webhook URLs carry their token in the path or the query: errors, logs and the outbox show the origin only. */
function origin(url: string): string {
  return new URL(url).origin;
}
