// /api/v1/audit: every change made through the operations module, newest
// first (docs/operations.md#audit-log). Template admins and owners read all
// of it; members the entries about their own workspaces and their own actions.

import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { auditJson } from '../../ops/json.js';
import { type ApiEnv, isAtLeast, requireRole, workspaceAccess } from '../auth.js';
import { apiRoute, json } from '../route.js';
import { AuditEntrySchema, PageQuery, page } from '../schemas.js';

export function auditRoutes(app: OpenAPIHono<ApiEnv>) {
  app.openapi(
    apiRoute({
      method: 'get',
      path: '/audit',
      tag: 'Audit',
      summary: 'The audit log',
      description:
        'Who changed what, when, with the values before and after. Members must name one of their own workspaces, or see their own actions.',
      errors: [404],
      request: {
        query: PageQuery.extend({
          workspace: z.string().max(200).optional().openapi({ description: 'Workspace id or `owner/name`.' }),
          actor: z.string().max(200).optional().openapi({ description: 'A username, or `cli:<user>` for the command line.' }),
          since: z.string().datetime({ offset: true }).optional(),
        }),
      },
      responses: { 200: json(page(AuditEntrySchema, 'AuditPage'), 'A page of entries, newest first.') },
    }),
    async (c) => {
      const p = c.get('principal');
      requireRole(p, 'member');
      const q = c.req.valid('query');
      const ops = c.get('ops');
      let actor = q.actor;
      if (q.workspace !== undefined) await workspaceAccess(ops, p, q.workspace, isAtLeast(p, 'template-admin') ? 'see' : 'change');
      else if (!isAtLeast(p, 'template-admin')) actor = p.username;
      const r = await ops.audit.list(
        { workspace: q.workspace, actor, since: q.since === undefined ? undefined : new Date(q.since) },
        { limit: q.limit, cursor: q.cursor },
      );
      return c.json({ items: r.items.map(auditJson), nextCursor: r.nextCursor }, 200);
    },
  );
}
