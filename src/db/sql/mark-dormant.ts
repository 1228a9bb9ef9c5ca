import type { PoolClient } from '../pool.js';

/** docs/rules.md#dormancy: dormant as of `dormantAt`; deletion due `deletingAt` (null when autodelete is off); no autostart. */
export async function markDormant(
  client: PoolClient,
  workspaceId: string,
  marks: { dormantAt: Date; deletingAt: Date | null },
): Promise<void> {
  await client.query('UPDATE workspaces SET dormant_at = $2, deleting_at = $3, next_start_at = NULL WHERE id = $1', [
    workspaceId,
    marks.dormantAt,
    marks.deletingAt,
  ]);
}
