import type { PoolClient } from '../pool.js';

/**
 * docs/rules.md#autodelete-warning: each deletion date is warned of at most once. Only a workspace whose
 * deleting_at is still the warned one is stamped; returns whether it was.
 */
export async function stampAutodeleteWarning(client: PoolClient, workspaceId: string, deletingAt: Date): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE workspaces SET notified_deleting_at = deleting_at
      WHERE id = $1 AND deleting_at = $2 AND notified_deleting_at IS DISTINCT FROM deleting_at`,
    [workspaceId, deletingAt],
  );
  return rowCount === 1;
}
