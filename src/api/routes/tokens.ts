// /api/v1/tokens: API tokens (docs/api.md#authentication). A token is shown
// once, when created. Callers manage their own tokens, with a role no higher
// than their own; owners manage everyone's.

import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { tokenJson } from '../../ops/json.js';
import { type ApiEnv, isAtLeast, requireRole, workspaceAccess } from '../auth.js';
import { apiNotFound, forbidden } from '../errors.js';
import { apiRoute, json, jsonBody } from '../route.js';
import { PageQuery, page, RoleSchema, TokenSchema } from '../schemas.js';

const tag = 'Tokens';

export function tokenRoutes(app: OpenAPIHono<ApiEnv>) {
  app.openapi(
    apiRoute({
      method: 'get',
      path: '/tokens',
      tag,
      summary: 'List tokens',
      description: 'The caller’s own; owners may name any `user`. Secrets are never shown again.',
      errors: [404],
      request: { query: PageQuery.extend({ user: z.string().max(200).optional() }) },
      responses: { 200: json(page(TokenSchema, 'TokenPage'), 'A page of tokens, newest first.') },
    }),
    async (c) => {
      const p = c.get('principal');
      requireRole(p, 'member');
      const { user, ...pageReq } = c.req.valid('query');
      const r = await c.get('ops').tokens.list({ user: p.role === 'owner' ? user : p.userId }, pageReq);
      return c.json({ items: r.items.map(tokenJson), nextCursor: r.nextCursor }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/tokens',
      tag,
      summary: 'Create a token',
      description:
        'The answer carries the token once. A `reporter` token may only report activity, for one `workspace` or for the workspaces of the named `templates`.',
      errors: [404],
      request: {
        body: jsonBody(
          z
            .object({
              user: z.string().max(200).optional().openapi({ description: 'Default the caller; another user needs an owner token.' }),
              role: RoleSchema,
              name: z.string().max(200).optional(),
              expiresInMs: z.number().int().nullable().optional().openapi({ description: 'Default 90 days; null = never.' }),
              workspace: z.string().max(200).optional(),
              templates: z.array(z.string().max(200)).max(100).optional(),
            })
            .strict(),
        ),
      },
      responses: {
        201: json(
          z.object({ token: z.string().openapi({ description: 'Shown once: keep it now.' }), record: TokenSchema }).openapi('CreatedToken'),
          'The token.',
        ),
      },
    }),
    async (c) => {
      const p = c.get('principal');
      requireRole(p, 'member');
      const b = c.req.valid('json');
      const forSelf = b.user === undefined || b.user === p.userId || b.user === p.username || b.user === 'me';
      if (!forSelf && p.role !== 'owner') throw forbidden('only an owner token may create a token for another user');
      if (b.role !== 'reporter' && !isAtLeast(p, b.role)) throw forbidden(`a ${p.role} token cannot create a ${b.role} token`);
      if (b.role === 'reporter') {
        if (b.workspace !== undefined) await workspaceAccess(c.get('ops'), p, b.workspace, 'change');
        if (b.templates !== undefined) requireRole(p, 'template-admin');
      }
      const created = await c.get('ops').tokens.create({
        user: forSelf ? p.userId : b.user!,
        role: b.role,
        name: b.name,
        expiresInMs: b.expiresInMs,
        workspace: b.workspace,
        templates: b.templates,
      });
      return c.json({ token: created.token, record: tokenJson(created.record) }, 201);
    },
  );

  app.openapi(
    apiRoute({
      method: 'delete',
      path: '/tokens/{id}',
      tag,
      summary: 'Revoke a token',
      description: 'The caller’s own; owners any. It stops working at once.',
      errors: [404, 409],
      request: {
        params: z.object({
          id: z
            .string()
            .max(200)
            .openapi({ param: { name: 'id', in: 'path' } }),
        }),
      },
      responses: { 200: json(TokenSchema, 'The revoked token.') },
    }),
    async (c) => {
      const p = c.get('principal');
      requireRole(p, 'member');
      const { id } = c.req.valid('param');
      const ops = c.get('ops');
      if (p.role !== 'owner') {
        const own = await ops.tokens.get(id).catch(() => null);
        if (own === null || own.userId !== p.userId) throw apiNotFound(`no token ${id}`);
      }
      return c.json(tokenJson(await ops.tokens.revoke(id)), 200);
    },
  );
}
