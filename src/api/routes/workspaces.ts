// /api/v1/workspaces: reads, creation, builds, schedule, TTL, extend,
// dormancy, explain and reevaluate (docs/api.md#workspaces). Each handler
// checks who may do it, asks the operations module, and maps the answer.

import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { buildJson, explainJson, workspaceJson, workspaceSummaryJson } from '../../ops/json.js';
import { type ApiEnv, isAtLeast, requireRole, workspaceAccess } from '../auth.js';
import { forbidden } from '../errors.js';
import { apiRoute, json, jsonBody } from '../route.js';
import {
  BuildSchema,
  BuildStartedSchema,
  ExplanationSchema,
  PageQuery,
  page,
  TransitionSchema,
  WorkspaceParam,
  WorkspaceSchema,
  WorkspaceSummarySchema,
} from '../schemas.js';

const tag = 'Workspaces';
const iso = (d: Date | null) => (d === null ? null : d.toISOString());

const BuildNumberParam = WorkspaceParam.extend({
  number: z.coerce
    .number()
    .int()
    .min(1)
    .max(2_147_483_647)
    .openapi({ param: { name: 'number', in: 'path' }, example: 3 }),
});

export function workspaceRoutes(app: OpenAPIHono<ApiEnv>) {
  app.openapi(
    apiRoute({
      method: 'get',
      path: '/workspaces',
      tag,
      summary: 'List workspaces',
      description: 'Members see their own; template admins and owners see all. Ordered by owner and name.',
      errors: [404],
      request: {
        query: PageQuery.extend({
          owner: z.string().max(200).optional().openapi({ description: 'Username or id.' }),
          template: z.string().max(200).optional().openapi({ description: 'Template name or id.' }),
          status: WorkspaceSummarySchema.shape.status.optional(),
          dormant: z.enum(['true', 'false']).optional(),
        }),
      },
      responses: { 200: json(page(WorkspaceSummarySchema, 'WorkspacePage'), 'A page of workspaces.') },
    }),
    async (c) => {
      const p = c.get('principal');
      const q = c.req.valid('query');
      requireRole(p, 'member');
      const owner = isAtLeast(p, 'template-admin') ? q.owner : p.userId;
      if (!isAtLeast(p, 'template-admin') && q.owner !== undefined && q.owner !== p.username && q.owner !== p.userId) {
        return c.json({ items: [], nextCursor: null }, 200);
      }
      const result = await c
        .get('ops')
        .workspaces.list(
          { owner, template: q.template, status: q.status, dormant: q.dormant === undefined ? undefined : q.dormant === 'true' },
          { limit: q.limit, cursor: q.cursor },
        );
      return c.json({ items: result.items.map(workspaceSummaryJson), nextCursor: result.nextCursor }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/workspaces',
      tag,
      summary: 'Create a workspace',
      description: 'Creates the workspace and its first start build. Members and template admins create their own; owners anyone’s.',
      errors: [404, 409, 422],
      request: {
        body: jsonBody(
          z
            .object({
              owner: z.string().max(200).optional().openapi({ description: 'Username or id; default the caller.' }),
              template: z.string().max(200),
              name: z.string().max(200),
              autostartSchedule: z.string().nullable().optional(),
              ttlMs: z.number().int().nullable().optional().openapi({ description: 'Absent: the template’s default TTL. null: none.' }),
              automaticUpdates: z.enum(['always', 'never']).optional(),
            })
            .strict(),
        ),
      },
      responses: {
        201: json(BuildStartedSchema.extend({ warning: z.string().nullable() }), 'Created; its first build is running.'),
      },
    }),
    async (c) => {
      const p = c.get('principal');
      requireRole(p, 'member');
      const b = c.req.valid('json');
      const owner = b.owner ?? p.userId;
      if (p.role !== 'owner' && owner !== p.userId && owner !== p.username) {
        throw forbidden('only an owner token may create a workspace for another user');
      }
      const started = await c.get('ops').workspaces.create({
        owner,
        template: b.template,
        name: b.name,
        autostartSchedule: b.autostartSchedule,
        ttl: b.ttlMs,
        automaticUpdates: b.automaticUpdates,
        initiator: p.userId,
      });
      return c.json(started, 201);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/workspaces/{workspace}',
      tag,
      summary: 'Get a workspace',
      description: 'Its status, latest build and job, deadline and max deadline, next autostart, dormancy and deletion dates.',
      errors: [404],
      request: { params: WorkspaceParam },
      responses: { 200: json(WorkspaceSchema, 'The workspace.') },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'see');
      return c.json(workspaceJson(await c.get('ops').workspaces.get(w.id)), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/workspaces/{workspace}/builds',
      tag,
      summary: 'Start, stop or delete',
      description: 'A build by a person. 409 while a build is active, or when the workspace is already in that state.',
      errors: [404, 409],
      request: { params: WorkspaceParam, body: jsonBody(z.object({ transition: TransitionSchema }).strict()) },
      responses: { 201: json(BuildStartedSchema, 'The build was recorded and handed to the provisioner.') },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const { transition } = c.req.valid('json');
      const p = c.get('principal');
      const ops = c.get('ops');
      const w = await workspaceAccess(ops, p, workspace, 'change');
      const opts = { initiator: p.userId };
      const started =
        transition === 'start'
          ? await ops.workspaces.start(w.id, opts)
          : transition === 'stop'
            ? await ops.workspaces.stop(w.id, opts)
            : await ops.workspaces.delete(w.id, opts);
      return c.json(started, 201);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/workspaces/{workspace}/builds',
      tag,
      summary: 'Build history',
      description: 'Newest first, each with its job.',
      errors: [404],
      request: { params: WorkspaceParam, query: PageQuery },
      responses: { 200: json(page(BuildSchema, 'BuildPage'), 'A page of builds.') },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const q = c.req.valid('query');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'see');
      const result = await c.get('ops').workspaces.builds(w.id, q);
      return c.json({ items: result.items.map(buildJson), nextCursor: result.nextCursor }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/workspaces/{workspace}/builds/{number}',
      tag,
      summary: 'One build',
      errors: [404],
      request: { params: BuildNumberParam },
      responses: { 200: json(BuildSchema, 'The build and its job.') },
    }),
    async (c) => {
      const { workspace, number } = c.req.valid('param');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'see');
      return c.json(buildJson(await c.get('ops').workspaces.build(w.id, number)), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/workspaces/{workspace}/builds/{number}/log',
      tag,
      summary: 'A build’s log',
      description: 'The last 64 KiB its provisioner wrote.',
      errors: [404],
      request: { params: BuildNumberParam },
      responses: {
        200: json(z.object({ buildNumber: z.number().int(), jobId: z.string(), log: z.string() }).openapi('BuildLog'), 'The log.'),
      },
    }),
    async (c) => {
      const { workspace, number } = c.req.valid('param');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'see');
      const { build, log } = await c.get('ops').workspaces.buildLog(w.id, number);
      return c.json({ buildNumber: build.buildNumber, jobId: build.job.id, log }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/workspaces/{workspace}/cancel',
      tag,
      summary: 'Cancel the active build',
      description: 'A pending job ends canceled at once; a running one becomes canceling and its provisioner is stopped.',
      errors: [404, 409],
      request: { params: WorkspaceParam },
      responses: {
        200: json(
          z.object({ jobId: z.string(), status: BuildSchema.shape.job.shape.status }).openapi('Canceled'),
          'The job and its status now.',
        ),
      },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
      return c.json(await c.get('ops').workspaces.cancel(w.id), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/workspaces/{workspace}/autostart',
      tag,
      summary: 'Set or clear the autostart schedule',
      description:
        'A weekly schedule such as `CRON_TZ=Europe/Berlin 30 8 * * mon-fri`, or null. A schedule that can never fire is accepted with a warning.',
      errors: [404, 409, 422],
      request: { params: WorkspaceParam, body: jsonBody(z.object({ schedule: z.string().nullable() }).strict()) },
      responses: {
        200: json(
          z
            .object({
              autostartSchedule: z.string().nullable(),
              nextStartAt: z.string().nullable(),
              autostartBlocked: z.string().nullable(),
              warning: z.string().nullable(),
            })
            .openapi('Autostart'),
          'The schedule and the next autostart it gives.',
        ),
      },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const { schedule } = c.req.valid('json');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
      c.set('fields', { 'autostart schedule': 'schedule' });
      const r = await c.get('ops').workspaces.setAutostart(w.id, schedule);
      return c.json({ ...r, nextStartAt: iso(r.nextStartAt) }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/workspaces/{workspace}/ttl',
      tag,
      summary: 'Set or clear the TTL',
      description: 'Applies from the next build; clearing it sets a running deadline to the max deadline.',
      errors: [404, 409, 422],
      request: { params: WorkspaceParam, body: jsonBody(z.object({ ttlMs: z.number().int().nullable() }).strict()) },
      responses: {
        200: json(
          z.object({ ttlMs: z.number().int().nullable(), deadline: z.string().nullable() }).openapi('Ttl'),
          'The TTL and the deadline now.',
        ),
      },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const { ttlMs } = c.req.valid('json');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
      const r = await c.get('ops').workspaces.setTtl(w.id, ttlMs);
      return c.json({ ttlMs: r.ttlMs, deadline: iso(r.deadline) }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/workspaces/{workspace}/extend',
      tag,
      summary: 'Move the deadline',
      description: 'At least 30 minutes from now; 409 when not running, 422 past the max deadline.',
      errors: [404, 409, 422],
      request: {
        params: WorkspaceParam,
        body: jsonBody(z.object({ deadline: z.string().datetime({ offset: true }) }).strict()),
      },
      responses: { 200: json(z.object({ deadline: z.string() }).openapi('Extended'), 'The new deadline.') },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const { deadline } = c.req.valid('json');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
      const r = await c.get('ops').workspaces.extendTo(w.id, new Date(deadline));
      return c.json({ deadline: r.deadline.toISOString() }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/workspaces/{workspace}/dormant',
      tag,
      summary: 'Mark dormant, or wake',
      description: 'Dormant: no autostart, deletion after the template’s autodelete time. Waking clears both.',
      errors: [404, 409],
      request: { params: WorkspaceParam, body: jsonBody(z.object({ dormant: z.boolean() }).strict()) },
      responses: {
        200: json(
          z.object({ dormantAt: z.string().nullable(), deletingAt: z.string().nullable() }).openapi('Dormancy'),
          'The dormancy and deletion dates now.',
        ),
      },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const { dormant } = c.req.valid('json');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
      const r = await c.get('ops').workspaces.setDormant(w.id, dormant);
      return c.json({ dormantAt: iso(r.dormantAt), deletingAt: iso(r.deletingAt) }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/workspaces/{workspace}/explain',
      tag,
      summary: 'Why: the decision and what happens next',
      description:
        'The same answer as `autobuild explain --json`: what the engine would do at `at` (default now), and each next instant with the rule that gives it.',
      errors: [404, 409],
      request: {
        params: WorkspaceParam,
        query: z.object({
          at: z
            .string()
            .datetime({ offset: true })
            .optional()
            .openapi({ param: { name: 'at', in: 'query' } }),
        }),
      },
      responses: { 200: json(ExplanationSchema, 'The explanation.') },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const { at } = c.req.valid('query');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'see');
      const e = await c.get('ops').workspaces.explain(w.id, at === undefined ? undefined : new Date(at));
      return c.json(explainJson(e.workspace, e.preview), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/workspaces/{workspace}/reevaluate',
      tag,
      summary: 'Evaluate now',
      description:
        'The engine evaluates the workspace now (through Temporal, as the tick does) and answers with its decision and any build it made.',
      errors: [404],
      request: { params: WorkspaceParam },
      responses: {
        200: json(
          z
            .object({
              workspaceId: z.string(),
              outcome: z.object({
                kind: z.enum(['transition', 'marked', 'unchanged', 'skipped', 'error']),
                tick: z.string(),
                decision: z.object({ explanation: z.string() }).passthrough().nullable(),
                buildNumber: z.number().int().nullable(),
                jobId: z.string().nullable(),
                transition: TransitionSchema.nullable(),
                reason: z.string().nullable(),
                markedDormant: z.boolean(),
                reminded: z.boolean(),
                skipped: z.string().nullable(),
                error: z.string().nullable(),
                replayed: z.boolean(),
              }),
              build: z.union([BuildSchema, z.null()]),
            })
            .openapi('Reevaluation'),
          'The engine’s answer.',
        ),
      },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
      const r = await c.get('ops').workspaces.reevaluate(w.id);
      return c.json({ workspaceId: r.workspaceId, outcome: r.outcome, build: r.build === null ? null : buildJson(r.build) }, 200);
    },
  );
}
