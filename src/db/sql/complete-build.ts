// What a successful build changes besides its job (SPEC §5.1).
import type { PoolClient } from '../pool.js';

export async function setBuildDeadline(client: PoolClient, buildId: string, deadline: Date | null, maxDeadline: Date | null): Promise<void> {
  await client.query('UPDATE workspace_builds SET deadline = $2, max_deadline = $3 WHERE id = $1', [buildId, deadline, maxDeadline]);
}

export async function markWorkspaceDeleted(client: PoolClient, workspaceId: string): Promise<void> {
  await client.query('UPDATE workspaces SET deleted = true, next_start_at = NULL WHERE id = $1', [workspaceId]);
}

/** The database clock, read inside the caller's transaction (SPEC §2.2). */
export async function databaseNow(client: PoolClient): Promise<Date> {
  const { rows } = await client.query<{ now: Date }>('SELECT now() AS now');
  return rows[0]!.now;
}
