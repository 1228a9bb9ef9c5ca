// Who is calling, and what they may see (docs/api.md#authentication). A
// bearer token names a user and a role; what the role allows is decided here,
// before the operations module is asked. A resource the caller may not see
// answers 404 exactly as a missing one does; one they may see but not change
// answers 403.

import type { MiddlewareHandler } from 'hono';
import type { Ops, Principal, Role } from '../ops/index.js';
import { ApiError, apiNotFound, forbidden } from './errors.js';

export type { Principal, Role };

export interface ApiEnv {
  Variables: {
    principal: Principal;
    /** The operations module, acting as the caller (its changes are audited under the caller's name). */
    ops: Ops;
    /** How this route spells the inputs the operations module names (`autostart schedule` → `schedule`), for errors' `field`. */
    fields?: Record<string, string>;
  };
}

const RANK: Record<Role, number> = { reporter: 0, member: 1, 'template-admin': 2, owner: 3 };

/** Authenticates `Authorization: Bearer abk_…`; a token in the URL is refused, never read. */
export function bearerAuth(ops: Ops): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const query = new URL(c.req.url).searchParams;
    if (query.has('token') || query.has('access_token')) {
      throw new ApiError('invalid', 'send the token in the Authorization header, never in the URL (URLs end up in logs)');
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const principal = match ? await ops.tokens.authenticate(match[1]!) : null;
    if (principal === null) {
      c.header('WWW-Authenticate', 'Bearer realm="autobuild"');
      throw new ApiError(
        'unauthenticated',
        header === '' ? 'authentication required: send Authorization: Bearer <token>' : 'invalid, expired or revoked token',
      );
    }
    c.set('principal', principal);
    c.set('ops', ops.as({ userId: principal.userId, name: principal.username, tokenId: principal.tokenId }));
    await next();
  };
}

export const isAtLeast = (p: Principal, role: Role) => RANK[p.role] >= RANK[role];

/** Refuses a caller below `role`; a reporter token is told what it is for. */
export function requireRole(p: Principal, role: Role): void {
  if (p.role === 'reporter') throw forbidden('this token may only report activity');
  if (!isAtLeast(p, role)) throw forbidden(`this needs the ${role} role (the token has ${p.role})`);
}

/** Who owns a workspace and what template it comes from. */
export interface WorkspaceScope {
  id: string;
  ownerId: string;
  templateId: string;
}

/** Members see their own workspaces; template admins and owners see all. Reporters see none. */
export const canSee = (p: Principal, w: WorkspaceScope) =>
  p.role === 'reporter' ? false : isAtLeast(p, 'template-admin') || w.ownerId === p.userId;

/** Owners change any workspace; everyone else their own. */
export const canChange = (p: Principal, w: WorkspaceScope) => p.role !== 'reporter' && (p.role === 'owner' || w.ownerId === p.userId);

/** A reporter token reports for its scope; other tokens for what they may change. */
export function canReport(p: Principal, w: WorkspaceScope): boolean {
  if (p.role === 'reporter') return p.scope.workspaceId === w.id || p.scope.templateIds.includes(w.templateId);
  return canChange(p, w);
}

/** The workspace, when the caller may see it (and change it, for `change`); 404 or 403 otherwise. */
export async function workspaceAccess(ops: Ops, p: Principal, ref: string, need: 'see' | 'change'): Promise<WorkspaceScope> {
  if (p.role === 'reporter') throw forbidden('this token may only report activity');
  const w = await ops.workspaces.scope(ref);
  if (w === null || !canSee(p, w)) throw apiNotFound(`no workspace ${ref}`);
  if (need === 'change' && !canChange(p, w)) throw forbidden(`only the owner of ${ref} (or an owner token) may change it`);
  return w;
}

/** A user's own record is theirs; others' records need `role`. 404 for a user the caller may not see. */
export function userAccess(p: Principal, user: { id: string; username: string }, seeOthers: Role): void {
  if (p.role === 'reporter') throw forbidden('this token may only report activity');
  if (user.id !== p.userId && !isAtLeast(p, seeOthers)) throw apiNotFound(`no user ${user.username}`);
}
