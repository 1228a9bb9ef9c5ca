// The one way notifications leave the outbox (docs/operations.md#notifications):
// every worker runs a deliverer that wakes when a transaction that wrote a
// notification commits (PostgreSQL NOTIFY from the outbox's trigger, in any
// process: the engine, a build's completion, a person's action), and sweeps
// the outbox on a timer for what a missed wake-up or a failed send left,
// retrying each failed notification when its backoff ends. Several
// deliverers at once never send one notification at the same moment (each
// claims rows under a lease).
import pg from 'pg';
import type { Pool } from '../db/pool.js';
import type { Metrics } from '../metrics/metrics.js';
import type { NotificationConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import { type Loop, repeat } from '../runtime/repeat.js';
import { deliverDueNotifications } from './deliver.js';
import type { NotificationSink } from './sinks.js';

/** The channel the outbox's trigger notifies (migration 003). */
export const OUTBOX_CHANNEL = 'autobuild_outbox';
const RELISTEN_MS = 5_000;

export interface DelivererDeps {
  pool: Pool;
  /** For the LISTEN connection, which stays open (it cannot be a pooled one). */
  databaseUrl: string;
  sink: NotificationSink;
  config: NotificationConfig;
  log: Logger;
  metrics?: Metrics;
}

export function startDeliverer(deps: DelivererDeps): Loop {
  const { pool, sink, config, log, metrics } = deps;
  const loop = repeat('notification delivery', log, async () => {
    const report = await deliverDueNotifications({ pool, sink, config, log, metrics });
    return Math.max(10, Math.min(config.sweepIntervalMs, report.nextDueInMs ?? Number.POSITIVE_INFINITY));
  });
  const listener = listen(deps.databaseUrl, log, () => loop.wake());
  return {
    wake: loop.wake,
    async stop() {
      await listener.stop();
      await loop.stop();
    },
  };
}

/** LISTENs on the outbox channel, reconnecting after a lost connection (the sweep delivers meanwhile). */
function listen(databaseUrl: string, log: Logger, onNotify: () => void): { stop(): Promise<void> } {
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'autobuild-outbox' });
    c.on('notification', onNotify);
    c.on('error', (err) => {
      log.warn('the outbox listener lost its connection; reconnecting', { error: err });
      c.end().catch(() => {});
      if (client === c) client = null;
      if (!stopped) retry = setTimeout(connect, RELISTEN_MS);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${OUTBOX_CHANNEL}`);
      client = c;
      if (stopped) await c.end();
      else onNotify(); // whatever committed while nobody listened
    } catch (err) {
      log.warn('the outbox listener could not connect; retrying', { error: err as Error });
      await c.end().catch(() => {});
      if (!stopped) retry = setTimeout(connect, RELISTEN_MS);
    }
  };
  void connect();
  return {
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
