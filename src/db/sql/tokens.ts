// API tokens (docs/operations.md#api-tokens): the stored half of a token is
// the SHA-256 of its secret, never the secret. Instants are the database clock.
import type { QueryResultRow } from 'pg';
import type { Pool, PoolClient } from '../pool.js';

export type TokenRole = 'member' | 'template-admin' | 'owner' | 'reporter';

export interface TokenRow {
  id: string;
  userId: string;
  username: string;
  role: TokenRole;
  name: string | null;
  /** A reporter's scope: one workspace, or templates; empty for every other role. */
  scope: { workspaceId: string | null; workspace: string | null; templateIds: string[]; templates: string[] };
  /** `revoked`, else `expired` once expiresAt has passed (the database clock), else `active`. */
  status: 'active' | 'expired' | 'revoked';
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** What authentication needs: the hash, and whether the token and its user may still act. */
export interface TokenCredentials {
  id: string;
  userId: string;
  username: string;
  userStatus: string;
  role: TokenRole;
  secretHash: Buffer;
  workspaceId: string | null;
  templateIds: string[];
  expired: boolean;
  revoked: boolean;
}

const SELECT = `
  SELECT k.id, k.user_id, u.username, k.role, k.name, k.scope_workspace_id, k.scope_template_ids,
         k.created_at, k.expires_at, k.last_used_at, k.revoked_at,
         CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
              WHEN k.expires_at IS NOT NULL AND k.expires_at <= autobuild_now() THEN 'expired'
              ELSE 'active' END AS status,
         wu.username || '/' || w.name AS workspace_label,
         ARRAY(SELECT t.name FROM unnest(k.scope_template_ids) WITH ORDINALITY AS s(id, n)
                 JOIN templates t ON t.id = s.id ORDER BY s.n) AS template_names
    FROM api_tokens k
    JOIN users u ON u.id = k.user_id
    LEFT JOIN workspaces w ON w.id = k.scope_workspace_id
    LEFT JOIN users wu ON wu.id = w.owner_id`;

const toToken = (r: QueryResultRow): TokenRow => ({
  id: r.id,
  userId: r.user_id,
  username: r.username,
  role: r.role,
  name: r.name,
  scope: {
    workspaceId: r.scope_workspace_id,
    workspace: r.workspace_label,
    templateIds: r.scope_template_ids ?? [],
    templates: r.template_names ?? [],
  },
  status: r.status,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/** A new token; `expiresInMs` null = never. False when the id is taken (the caller draws another). */
export async function insertToken(
  client: PoolClient,
  t: {
    id: string;
    userId: string;
    role: TokenRole;
    name: string | null;
    secretHash: Buffer;
    workspaceId: string | null;
    templateIds: string[] | null;
    expiresInMs: number | null;
  },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO api_tokens (id, user_id, role, name, secret_hash, scope_workspace_id, scope_template_ids, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, date_trunc('milliseconds', autobuild_now()),
             date_trunc('milliseconds', autobuild_now()) + $8::bigint * interval '1 millisecond')
     ON CONFLICT (id) DO NOTHING`,
    [t.id, t.userId, t.role, t.name, t.secretHash, t.workspaceId, t.templateIds, t.expiresInMs],
  );
  return rowCount === 1;
}

/** By id; `lock: 'update'` to revoke it. */
export async function findToken(db: Pool | PoolClient, id: string, opts: { lock?: 'update' } = {}): Promise<TokenRow | null> {
  const { rows } = await db.query(`${SELECT} WHERE k.id = $1${opts.lock === 'update' ? ' FOR UPDATE OF k' : ''}`, [id]);
  return rows[0] ? toToken(rows[0]) : null;
}

/** Tokens newest first, of one user or all, after the (createdAt, id) `after`, at most `limit`. */
export async function listTokens(
  db: Pool | PoolClient,
  f: { userId: string | null },
  page: { after: { createdAt: Date; id: string } | null; limit: number },
): Promise<TokenRow[]> {
  const { rows } = await db.query(
    `${SELECT}
      WHERE ($1::uuid IS NULL OR k.user_id = $1)
        AND ($2::timestamptz IS NULL OR (k.created_at, k.id) < ($2, $3::text))
      ORDER BY k.created_at DESC, k.id DESC
      LIMIT $4`,
    [f.userId, page.after?.createdAt ?? null, page.after?.id ?? null, page.limit],
  );
  return rows.map(toToken);
}

export async function revokeToken(client: PoolClient, id: string): Promise<Date> {
  const { rows } = await client.query<{ revoked_at: Date }>(
    'UPDATE api_tokens SET revoked_at = autobuild_now() WHERE id = $1 RETURNING revoked_at',
    [id],
  );
  return rows[0]!.revoked_at;
}

export async function tokenCredentials(db: Pool | PoolClient, id: string): Promise<TokenCredentials | null> {
  const { rows } = await db.query({
    name: 'token-credentials',
    text: `SELECT k.id, k.user_id, u.username, u.status, k.role, k.secret_hash, k.scope_workspace_id, k.scope_template_ids,
                  k.expires_at IS NOT NULL AND k.expires_at <= autobuild_now() AS expired, k.revoked_at IS NOT NULL AS revoked
             FROM api_tokens k JOIN users u ON u.id = k.user_id
            WHERE k.id = $1`,
    values: [id],
  });
  const r = rows[0];
  if (r === undefined) return null;
  return {
    id: r.id,
    userId: r.user_id,
    username: r.username,
    userStatus: r.status,
    role: r.role,
    secretHash: r.secret_hash,
    workspaceId: r.scope_workspace_id,
    templateIds: r.scope_template_ids ?? [],
    expired: r.expired,
    revoked: r.revoked,
  };
}

/** Records a use: writes last_used_at only when it is unset or more than an hour old, so a busy token costs no write per request. */
export async function touchToken(db: Pool | PoolClient, id: string): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'touch-token',
    text: `UPDATE api_tokens SET last_used_at = autobuild_now()
            WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < autobuild_now() - interval '1 hour')`,
    values: [id],
  });
  return rowCount === 1;
}

/** Whether any owner token would authenticate now: not revoked, not expired, its user not suspended. */
export async function hasOwnerToken(db: Pool | PoolClient): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM api_tokens k JOIN users u ON u.id = k.user_id
        WHERE k.role = 'owner' AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > autobuild_now())
          AND u.status <> 'suspended') AS found`,
  );
  return rows[0]!.found;
}
