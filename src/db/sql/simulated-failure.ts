// The simulated provisioner's per-workspace failure switch (migration 002).

import type { Transition } from '../../lifecycle/index.js';
import type { Pool, PoolClient } from '../pool.js';

/** The failure message when builds of this transition are set to fail, else null. */
export async function simulatedFailureFor(db: Pool | PoolClient, workspaceId: string, transition: Transition): Promise<string | null> {
  const { rows } = await db.query<{ message: string }>({
    name: 'simulated-failure-for',
    text: `SELECT message FROM simulated_failures WHERE workspace_id = $1 AND $2 = ANY (transitions)`,
    values: [workspaceId, transition],
  });
  return rows[0]?.message ?? null;
}

export async function setSimulatedFailure(
  db: Pool | PoolClient,
  workspaceId: string,
  failure: { transitions: Transition[]; message: string } | null,
): Promise<void> {
  if (failure === null) {
    await db.query('DELETE FROM simulated_failures WHERE workspace_id = $1', [workspaceId]);
    return;
  }
  await db.query(
    `INSERT INTO simulated_failures (workspace_id, transitions, message) VALUES ($1, $2, $3)
     ON CONFLICT (workspace_id) DO UPDATE SET transitions = EXCLUDED.transitions, message = EXCLUDED.message`,
    [workspaceId, failure.transitions, failure.message],
  );
}
