// The notification outbox (docs/rules.md#applying-a-decision-the-build-transaction): written in the same transaction as the
// event that causes it, delivered after commit, at least once, never lost.
import type { PoolClient } from '../db/pool.js';
import { insertNotificationRow } from '../db/sql/insert-notification.js';

export type NotificationKind =
  | 'workspace_dormant'
  | 'autostop_reminder'
  | 'autobuild_failed'
  | 'workspace_autodeleted'
  | 'autodelete_warning';

export interface NewNotification {
  kind: NotificationKind;
  workspaceId: string;
  /** Who is told: the workspace owner. */
  userId: string;
  payload: object;
  /**
   * One notification per cause, e.g. `autobuild_failed:<jobId>`: a writer that
   * runs twice (an activity retry) writes it once.
   */
  dedupeKey: string;
}

/** Call inside the transaction that makes the event happen; deliver after it commits. */
export async function insertNotification(client: PoolClient, n: NewNotification): Promise<void> {
  await insertNotificationRow(client, n);
}
