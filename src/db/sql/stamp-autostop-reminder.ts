import type { PoolClient } from '../pool.js';

/**
 * docs/rules.md#autostop-reminder: each deadline value is reminded at most once. Only a build whose
 * deadline is still the reminded one is stamped; returns whether it was.
 */
export async function stampAutostopReminder(client: PoolClient, buildId: string, deadline: Date): Promise<boolean> {
  const { rowCount } = await client.query(
    'UPDATE workspace_builds SET notified_autostop_deadline = deadline WHERE id = $1 AND deadline = $2',
    [buildId, deadline],
  );
  return rowCount === 1;
}
