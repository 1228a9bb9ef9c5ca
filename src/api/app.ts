// The HTTP API (docs/api.md): routes under /api/v1 on the operations module,
// authenticated by bearer tokens, described by the OpenAPI 3.1 document at
// /openapi.json, with /healthz and /readyz for the service's supervisor.
// It holds no lifecycle rule: every answer is the operations module's.

import { OpenAPIHono, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Ops } from '../ops/index.js';
import type { Logger } from '../runtime/logger.js';
import { type ApiEnv, bearerAuth } from './auth.js';
import { ApiError, ErrorSchema, handleError, sendError } from './errors.js';
import { json } from './route.js';
import { actionLinkRoutes, reminderActionRoutes } from './routes/actions.js';
import { activityRoutes } from './routes/activity.js';
import { auditRoutes } from './routes/audit.js';
import { calendarRoutes, pauseRoutes } from './routes/calendars.js';
import { projectionRoutes } from './routes/projections.js';
import { scheduleRoutes } from './routes/schedules.js';
import { templateRoutes } from './routes/templates.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { workspaceRoutes } from './routes/workspaces.js';

export const API_BODY_LIMIT = 1024 * 1024;

export interface ApiDeps {
  ops: Ops;
  log: Logger;
  /** Throws when a dependency the API needs (the database, Temporal) does not answer. */
  ready(): Promise<void>;
  /** AUTOBUILD_DEFAULT_QUIET_HOURS: the quiet hours of users who set none. */
  defaultQuietHours: string;
  version: string;
}

/** The methods routed for `path` (HEAD with GET), from the app's own route table. */
function methodsOf(app: OpenAPIHono<ApiEnv>, path: string): string[] {
  const methods = new Set<string>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue;
    const pattern = new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}$`);
    if (pattern.test(path)) methods.add(r.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

export function createApp(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({
    // One shape for every refusal of the request schemas: the first issue, naming its field.
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0]!;
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const field = issue.path.length ? issue.path.join('.') : keys[0];
      return sendError(c, 'invalid', `invalid ${issue.path.length ? field : 'request'}: ${issue.message}`, field);
    },
  });

  app.onError((err, c) => handleError(err, c, deps.log));
  // A path that exists under another method answers 405 with the methods it has.
  app.notFound((c) => {
    const allowed = methodsOf(app, c.req.path);
    if (allowed.length === 0) return sendError(c, 'not_found', `no route ${c.req.method} ${c.req.path}`);
    c.header('Allow', allowed.join(', '));
    return sendError(c, 'method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}: use ${allowed.join(', ')}`);
  });
  // PostgreSQL cannot store a NUL character in text: refused here, with the other malformed input.
  app.use('*', async (c, next) => {
    if (c.req.url.includes('%00') || c.req.url.includes('\0')) throw new ApiError('invalid', 'the URL must not contain a NUL character');
    await next();
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: API_BODY_LIMIT,
      onError: () => {
        throw new ApiError('too_large', 'request body too large: at most 1 MiB');
      },
    }),
  );
  app.use('/api/v1/*', bearerAuth(deps.ops));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token, `abk_<id>_<secret>`, made with `autobuild token create` or POST /api/v1/tokens.',
  });

  workspaceRoutes(app);
  pauseRoutes(app);
  reminderActionRoutes(app);
  // Outside /api/v1 and its bearer authentication: the link's token is the capability (docs/rules.md#reminder-actions).
  actionLinkRoutes(app, deps.ops);
  activityRoutes(app);
  templateRoutes(app);
  userRoutes(app, deps.defaultQuietHours);
  tokenRoutes(app);
  auditRoutes(app);
  calendarRoutes(app);
  projectionRoutes(app);
  scheduleRoutes(app);

  const Health = z.object({ status: z.string() }).openapi('Health');
  app.openapi(
    {
      method: 'get',
      path: '/healthz',
      tags: ['Service'],
      summary: 'Liveness',
      description: 'The process answers. No dependency is asked.',
      responses: { 200: json(Health, 'Alive.') },
    },
    (c) => c.json({ status: 'ok' }, 200),
  );
  app.openapi(
    {
      method: 'get',
      path: '/readyz',
      tags: ['Service'],
      summary: 'Readiness',
      description: 'The database and Temporal answer.',
      responses: { 200: json(Health, 'Ready.'), 503: json(ErrorSchema, 'A dependency does not answer.') },
    },
    async (c) => {
      try {
        await deps.ready();
      } catch (err) {
        deps.log.warn('not ready', { err });
        return c.json({ error: { code: 'unavailable' as const, message: 'not ready: the database or Temporal does not answer' } }, 503);
      }
      return c.json({ status: 'ready' }, 200);
    },
  );

  const document = {
    openapi: '3.1.0',
    info: {
      title: 'autobuild API',
      version: deps.version,
      description:
        'Report workspace activity, set schedules and deadlines, change lifecycle policy, and ask why a workspace will start or stop. See docs/api.md.',
    },
    servers: [{ url: '/' }],
  };
  app.doc31('/openapi.json', document);
  return app;
}
