import type { PoolClient } from '../pool.js';
import { storableJson } from '../text.js';

/** What an evaluation committed, under its key, in its own transaction (migration 003). */
export async function recordEvaluation(client: PoolClient, key: string, workspaceId: string, outcome: object): Promise<void> {
  await client.query({
    name: 'record-evaluation',
    text: 'INSERT INTO evaluations (key, workspace_id, outcome) VALUES ($1, $2, $3)',
    values: [key, workspaceId, storableJson(outcome)],
  });
}

/** The outcome an earlier attempt committed under `key`, or null. */
export async function findEvaluation(client: PoolClient, key: string): Promise<unknown> {
  const { rows } = await client.query({ name: 'find-evaluation', text: 'SELECT outcome FROM evaluations WHERE key = $1', values: [key] });
  return rows[0]?.outcome ?? null;
}

/** Removes records older than `maxAgeMs`, at most `limit` at a time; returns how many went. */
export async function pruneEvaluations(db: { query: PoolClient['query'] }, maxAgeMs: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM evaluations WHERE key IN (
       SELECT key FROM evaluations WHERE created_at < autobuild_now() - $1 * interval '1 millisecond' ORDER BY created_at LIMIT $2)`,
    [maxAgeMs, limit],
  );
  return rowCount ?? 0;
}
