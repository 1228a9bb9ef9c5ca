// docs/rules.md#reminder-actions: the single-use action links of notifications.
// A row holds the SHA-256 of its token, never the token.
import type { Pool, PoolClient } from '../pool.js';

export type ReminderAction = 'extend' | 'skip-stop' | 'keep';

export interface ReminderActionRow {
  id: string;
  workspaceId: string;
  action: ReminderAction;
  expiresAt: Date;
  usedAt: Date | null;
  /** The database clock at the read: whether the link has expired is judged by it. */
  now: Date;
}

export async function insertReminderAction(
  client: PoolClient,
  row: { tokenHash: Buffer; workspaceId: string; action: ReminderAction; expiresAt: Date },
): Promise<void> {
  await client.query('INSERT INTO reminder_actions (token_hash, workspace_id, action, expires_at) VALUES ($1, $2, $3, $4)', [
    row.tokenHash,
    row.workspaceId,
    row.action,
    row.expiresAt,
  ]);
}

/** The link whose token hashes to `tokenHash`, or null; `lock` holds it until the transaction ends. */
export async function findReminderAction(
  db: Pool | PoolClient,
  tokenHash: Buffer,
  opts: { lock?: boolean } = {},
): Promise<ReminderActionRow | null> {
  const { rows } = await db.query(
    `SELECT id, workspace_id, action, expires_at, used_at, autobuild_now() AS now
       FROM reminder_actions WHERE token_hash = $1${opts.lock ? ' FOR UPDATE' : ''}`,
    [tokenHash],
  );
  const r = rows[0];
  return r === undefined
    ? null
    : { id: r.id, workspaceId: r.workspace_id, action: r.action, expiresAt: r.expires_at, usedAt: r.used_at, now: r.now };
}

export async function markReminderActionUsed(client: PoolClient, id: string): Promise<void> {
  await client.query('UPDATE reminder_actions SET used_at = autobuild_now() WHERE id = $1', [id]);
}
