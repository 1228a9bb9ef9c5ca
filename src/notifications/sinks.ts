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
        });
      } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause?.message;
        throw new Error(`webhook ${redactQuery(url)} unreachable: ${cause ?? (err as Error).message}`);
      }
      await res.body?.cancel().catch(() => {});
      if (!res.ok) throw new Error(`webhook ${redactQuery(url)} answered ${res.status} ${res.statusText}`.trim());
    },
  };
}

export function createSink(config: NotificationConfig, log: Logger): NotificationSink {
  return config.webhookUrl === null ? logSink(log) : webhookSink(config.webhookUrl, config.webhookTimeoutMs);
}

/** Webhook URLs often carry a token in the query: keep it out of errors and logs. */
function redactQuery(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
}
