// What a successful build changes besides its job (docs/rules.md#on-build-completion).
import type { Pool, PoolClient } from '../pool.js';

/** A start build succeeded: its deadlines, and the workspace's autostart cache (docs/rules.md#the-next_start_at-cache), in one statement. */
export async function setStartedBuild(
  client: PoolClient,
  s: {
    buildId: string;
    deadline: Date | null;
    maxDeadline: Date | null;
    workspaceId: string;
    cache: { nextStartAt: Date | null; autostartBlocked: string | null };
  },
): Promise<void> {
  await client.query({
    name: 'set-started-build',
    text: `WITH build AS (UPDATE workspace_builds SET deadline = $2, max_deadline = $3 WHERE id = $1)
           UPDATE workspaces SET next_start_at = $5, autostart_blocked = $6 WHERE id = $4`,
    values: [s.buildId, s.deadline, s.maxDeadline, s.workspaceId, s.cache.nextStartAt, s.cache.autostartBlocked],
  });
}

export async function markWorkspaceDeleted(client: PoolClient, workspaceId: string): Promise<void> {
  await client.query('UPDATE workspaces SET deleted = true, next_start_at = NULL WHERE id = $1', [workspaceId]);
}

/** The database clock, read inside the caller's transaction (docs/rules.md#time), or on the pool. */
export async function databaseNow(client: Pool | PoolClient): Promise<Date> {
  const { rows } = await client.query<{ now: Date }>('SELECT autobuild_now() AS now');
  return rows[0]!.now;
}
