// /api/v1/users: the caller's own record (`me`), and for template admins and
// owners everyone's; owners create users and set their status.

import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { User } from '../../ops/index.js';
import { type ApiEnv, requireRole, userAccess } from '../auth.js';
import { apiRoute, json, jsonBody } from '../route.js';
import { PageQuery, page, UserSchema } from '../schemas.js';

const tag = 'Users';

const UserParam = z.object({
  user: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'user', in: 'path' }, description: 'Username, id, or `me`.', example: 'me' }),
});
const status = UserSchema.shape.status;

export function userRoutes(app: OpenAPIHono<ApiEnv>, defaultQuietHours: string) {
  const userJson = (u: User) => ({
    id: u.id,
    username: u.username,
    status: u.status,
    quietHoursSchedule: u.quietHoursSchedule,
    effectiveQuietHoursSchedule: u.quietHoursSchedule ?? defaultQuietHours,
    createdAt: u.createdAt.toISOString(),
  });

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/users',
      tag,
      summary: 'List users',
      description: 'Template admins and owners.',
      request: { query: PageQuery },
      responses: { 200: json(page(UserSchema, 'UserPage'), 'A page of users, by username.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      const r = await c.get('ops').users.list(c.req.valid('query'));
      return c.json({ items: r.items.map(userJson), nextCursor: r.nextCursor }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/users',
      tag,
      summary: 'Create a user',
      description: 'Owners only.',
      errors: [409],
      request: {
        body: jsonBody(
          z
            .object({ username: z.string().max(200), status: status.optional(), quietHoursSchedule: z.string().nullable().optional() })
            .strict(),
        ),
      },
      responses: { 201: json(UserSchema, 'The user.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'owner');
      c.set('fields', { 'quiet hours schedule': 'quietHoursSchedule' });
      return c.json(userJson(await c.get('ops').users.create(c.req.valid('json'))), 201);
    },
  );

  /** `me` is the caller; anyone else must be visible to the caller. */
  const lookUp = async ({ ops, principal: p }: ApiEnv['Variables'], ref: string, seeOthers: 'template-admin' | 'owner') => {
    requireRole(p, 'member');
    const user = await ops.users.get(ref === 'me' ? p.userId : ref);
    userAccess(p, user, seeOthers);
    return user;
  };

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/users/{user}',
      tag,
      summary: 'Get a user',
      errors: [404],
      request: { params: UserParam },
      responses: { 200: json(UserSchema, 'The user.') },
    }),
    async (c) => c.json(userJson(await lookUp(c.var, c.req.valid('param').user, 'template-admin')), 200),
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/users/{user}/status',
      tag,
      summary: 'Set a user’s status',
      description: 'Owners only. A suspended user’s workspaces are stopped and not autostarted; a dormant user’s are not autostarted.',
      errors: [404],
      request: { params: UserParam, body: jsonBody(z.object({ status }).strict()) },
      responses: { 200: json(UserSchema, 'The user.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'owner');
      const user = await lookUp(c.var, c.req.valid('param').user, 'owner');
      return c.json(userJson(await c.get('ops').users.setStatus(user.id, c.req.valid('json').status)), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/users/{user}/quiet-hours',
      tag,
      summary: 'Set or clear quiet hours',
      description:
        'A daily schedule such as `CRON_TZ=Europe/Berlin 0 23 * * *`; autostop requirements stop workspaces then. null = the deployment default. Users set their own; owners anyone’s.',
      errors: [404],
      request: { params: UserParam, body: jsonBody(z.object({ schedule: z.string().nullable() }).strict()) },
      responses: { 200: json(UserSchema, 'The user.') },
    }),
    async (c) => {
      const user = await lookUp(c.var, c.req.valid('param').user, 'template-admin');
      const p = c.get('principal');
      if (user.id !== p.userId) requireRole(p, 'owner');
      return c.json(userJson(await c.get('ops').users.setQuietHours(user.id, c.req.valid('json').schedule)), 200);
    },
  );
}
