// Retention (docs/operations.md#retention): one loop per setting that is not
// `forever`. A round removes batch after batch while they come back full,
// logs what it removed, and the next round starts an hour later. Each batch is
// one short statement (src/db/sql/retention.ts), so a round holds no lock for
// long, a stop waits for one batch at most, and workers running it at once
// share the work.
import type { Pool } from '../db/pool.js';
import {
  emptyJobLogs,
  type JobLogCursor,
  removeAuditEntries,
  removeBuildsOfDeletedWorkspaces,
  removeDeletedWorkspaces,
  removeDeliveredNotifications,
} from '../db/sql/retention.js';
import { HOUR } from '../lifecycle/index.js';
import type { RetentionConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import { type Loop, repeat } from '../runtime/repeat.js';

/** Rows per statement. */
export const RETENTION_BATCH = 1000;
/** Deleted workspaces per statement: each takes its last build, its job and its notifications along. */
export const WORKSPACE_BATCH = 100;

/** What one batch removed, by kind of row, and whether the round goes on. */
interface Batch {
  removed: Record<string, number>;
  more: boolean;
}

export interface RetentionDeps {
  pool: Pool;
  log: Logger;
  retention: RetentionConfig;
}

export function startRetention({ pool, log, retention: r }: RetentionDeps): Loop[] {
  const kinds: Array<[string, number | null, (keepMs: number) => () => Promise<Batch>]> = [
    ['delivered notifications', r.deliveredNotificationsMs, (keepMs) => deliveredNotifications(pool, keepMs)],
    ['job logs', r.jobLogsMs, (keepMs) => jobLogs(pool, keepMs)],
    ['deleted workspaces', r.deletedWorkspacesMs, (keepMs) => deletedWorkspaces(pool, keepMs)],
    ['audit log', r.auditLogMs, (keepMs) => auditLog(pool, keepMs)],
  ];
  return kinds.flatMap(([kind, keepMs, batches]) => (keepMs === null ? [] : [rounds(kind, log, batches(keepMs))]));
}

function rounds(kind: string, log: Logger, batch: () => Promise<Batch>): Loop {
  let removed: Record<string, number> = {};
  return repeat(`retention of ${kind}`, log, async () => {
    const b = await batch();
    for (const [what, n] of Object.entries(b.removed)) removed[what] = (removed[what] ?? 0) + n;
    if (b.more) return 0;
    if (Object.values(removed).some((n) => n > 0)) log.info('retention', { kind, removed });
    removed = {};
    return HOUR;
  });
}

function deliveredNotifications(pool: Pool, keepMs: number): () => Promise<Batch> {
  return async () => {
    const n = await removeDeliveredNotifications(pool, keepMs, RETENTION_BATCH);
    return { removed: { notifications: n }, more: n === RETENTION_BATCH };
  };
}

function auditLog(pool: Pool, keepMs: number): () => Promise<Batch> {
  return async () => {
    const n = await removeAuditEntries(pool, keepMs, RETENTION_BATCH);
    return { removed: { auditEntries: n }, more: n === RETENTION_BATCH };
  };
}

/** A walk through the finished jobs, from the oldest each round (the jobs whose logs stay are passed over once per round). */
function jobLogs(pool: Pool, keepMs: number): () => Promise<Batch> {
  let after: JobLogCursor | null = null;
  return async () => {
    const { emptied, next } = await emptyJobLogs(pool, keepMs, RETENTION_BATCH, after);
    after = next;
    return { removed: { jobLogs: emptied }, more: next !== null };
  };
}

/** First the builds of deleted workspaces but their last, then the workspaces with their last build. */
function deletedWorkspaces(pool: Pool, keepMs: number): () => Promise<Batch> {
  let stage: 'builds' | 'workspaces' = 'builds';
  return async (): Promise<Batch> => {
    if (stage === 'builds') {
      const n = await removeBuildsOfDeletedWorkspaces(pool, keepMs, RETENTION_BATCH);
      if (n < RETENTION_BATCH) stage = 'workspaces';
      return { removed: { builds: n }, more: true };
    }
    const n = await removeDeletedWorkspaces(pool, keepMs, WORKSPACE_BATCH);
    if (n < WORKSPACE_BATCH) stage = 'builds';
    return { removed: { workspaces: n }, more: n === WORKSPACE_BATCH };
  };
}
