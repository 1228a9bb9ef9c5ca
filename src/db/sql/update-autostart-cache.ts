import type { PoolClient } from '../pool.js';

/** Stores the autostart cache (docs/rules.md#the-next_start_at-cache): the next allowed autostart and why autostart is blocked (both may be null). */
export async function updateAutostartCache(
  client: PoolClient,
  workspaceId: string,
  cache: { nextStartAt: Date | null; autostartBlocked: string | null },
): Promise<void> {
  await client.query({
    name: 'update-autostart-cache',
    text: 'UPDATE workspaces SET next_start_at = $2, autostart_blocked = $3 WHERE id = $1',
    values: [workspaceId, cache.nextStartAt, cache.autostartBlocked],
  });
}
