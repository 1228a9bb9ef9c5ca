// Where delivered notifications go: a structured log line by default, or an
// HTTP webhook. A sink throws when the receiver did not take the notification.
import type { NotificationConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import { redactActionLinks } from './action-links.js';
import { SIGNATURE_HEADER, signWebhook } from './signature.js';

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
      // An action link's token is a capability: a log line shows the link without it (docs/rules.md#reminder-actions).
      log.info('notification', {
        notificationId: n.id,
        kind: n.kind,
        workspaceId: n.workspaceId,
        userId: n.userId,
        payload: redactActionLinks(n.payload),
      });
    },
  };
}

export interface WebhookSigning {
  /** AUTOBUILD_NOTIFY_WEBHOOK_SECRET; null = unsigned requests. */
  secret: string | null;
  /** The clock the signature's timestamp comes from (tests); default Date.now. */
  now?: () => number;
}

/**
 * POSTs the notification as JSON with `Idempotency-Key: <id>` and, with a
 * secret, `Autobuild-Signature` over the exact body sent (signed at each
 * attempt); any 2xx answer is a delivery.
 */
export function webhookSink(url: string, timeoutMs: number, signing: WebhookSigning = { secret: null }): NotificationSink {
  const now = signing.now ?? Date.now;
  return {
    name: 'webhook',
    async send(n) {
      const body = JSON.stringify(n);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': n.id, 'user-agent': 'autobuild' };
      if (signing.secret !== null) headers[SIGNATURE_HEADER.toLowerCase()] = signWebhook(signing.secret, body, Math.floor(now() / 1000));
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers,
          body,
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

/** The sink the configuration names; called once at start, it warns when webhooks go out unsigned. */
export function createSink(config: NotificationConfig, log: Logger): NotificationSink {
  if (config.webhookUrl === null) return logSink(log);
  if (config.webhookSecret === null) {
    log.warn('AUTOBUILD_NOTIFY_WEBHOOK_SECRET is not set: webhook notifications are sent unsigned, and receivers cannot verify them');
  }
  return webhookSink(config.webhookUrl, config.webhookTimeoutMs, { secret: config.webhookSecret });
}

/** Chat-style webhook URLs carry their token in the path or the query: errors, logs and the outbox show the origin only. */
function origin(url: string): string {
  return new URL(url).origin;
}
