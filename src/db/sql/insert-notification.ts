import type { PoolClient } from '../pool.js';
import { storableJson } from '../text.js';

/** One row per cause: a writer that runs twice (an activity retry) adds nothing the second time. */
export async function insertNotificationRow(
  client: PoolClient,
  row: { kind: string; workspaceId: string; userId: string; payload: object; dedupeKey: string },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO notifications (kind, workspace_id, user_id, payload, dedupe_key)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [row.kind, row.workspaceId, row.userId, storableJson(row.payload), row.dedupeKey],
  );
  return rowCount === 1;
}
