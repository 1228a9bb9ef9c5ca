// /api/v1/templates: every lifecycle option (docs/rules.md#templates), its
// versions and promotion. Everyone but reporters reads; template admins and
// owners change.

import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { TemplateOptionsInput } from '../../ops/index.js';
import { templateJson, versionJson } from '../../ops/json.js';
import { type ApiEnv, requireRole } from '../auth.js';
import { apiRoute, json, jsonBody } from '../route.js';
import { PageQuery, page, TemplatePolicyInput, TemplateSchema, VersionSchema } from '../schemas.js';

const tag = 'Templates';

export const TemplateParam = z.object({
  template: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'template', in: 'path' }, description: 'Template name or id.', example: 'dev' }),
});

/** The API's option names (milliseconds, day lists) as the operations module takes them. */
export function options(p: z.infer<typeof TemplatePolicyInput>): TemplateOptionsInput {
  const o: TemplateOptionsInput = {};
  if (p.defaultTtlMs !== undefined) o.defaultTtl = p.defaultTtlMs;
  if (p.activityBumpMs !== undefined) o.activityBump = p.activityBumpMs;
  if (p.allowUserAutostart !== undefined) o.allowUserAutostart = p.allowUserAutostart;
  if (p.allowUserAutostop !== undefined) o.allowUserAutostop = p.allowUserAutostop;
  if (p.autostartAllowedDays !== undefined) o.autostartAllowedDays = p.autostartAllowedDays;
  if (p.failureTtlMs !== undefined) o.failureTtl = p.failureTtlMs;
  if (p.timeTilDormantMs !== undefined) o.timeTilDormant = p.timeTilDormantMs;
  if (p.timeTilDormantAutodeleteMs !== undefined) o.timeTilDormantAutodelete = p.timeTilDormantAutodeleteMs;
  if (p.autostopRequirementDays !== undefined) o.autostopRequirementDays = p.autostopRequirementDays;
  if (p.autostopRequirementWeeks !== undefined) o.autostopRequirementWeeks = p.autostopRequirementWeeks;
  if (p.autostopNotifyBeforeMs !== undefined) o.autostopNotifyBefore = p.autostopNotifyBeforeMs;
  if (p.requireActiveVersion !== undefined) o.requireActiveVersion = p.requireActiveVersion;
  if (p.catchup !== undefined) o.catchup = p.catchup;
  if (p.catchupWindowMs !== undefined) o.catchupWindow = p.catchupWindowMs;
  if (p.autodeleteNotifyBeforeMs !== undefined) o.autodeleteNotifyBefore = p.autodeleteNotifyBeforeMs;
  return o;
}

export function templateRoutes(app: OpenAPIHono<ApiEnv>) {
  app.openapi(
    apiRoute({
      method: 'get',
      path: '/templates',
      tag,
      summary: 'List templates',
      request: { query: PageQuery },
      responses: { 200: json(page(TemplateSchema, 'TemplatePage'), 'A page of templates, by name.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'member');
      const q = c.req.valid('query');
      const r = await c.get('ops').templates.list(q);
      return c.json({ items: r.items.map(templateJson), nextCursor: r.nextCursor }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/templates',
      tag,
      summary: 'Create a template',
      description: 'With an active version `v1`. Options left out take their defaults (docs/rules.md#templates).',
      errors: [409],
      request: { body: jsonBody(TemplatePolicyInput.extend({ name: z.string().max(200) }).strict()) },
      responses: { 201: json(TemplateSchema, 'The template.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      const { name, ...policy } = c.req.valid('json');
      return c.json(templateJson(await c.get('ops').templates.create({ name, ...options(policy) })), 201);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/templates/{template}',
      tag,
      summary: 'Get a template',
      errors: [404],
      request: { params: TemplateParam },
      responses: { 200: json(TemplateSchema, 'The template and its lifecycle policy.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'member');
      return c.json(templateJson(await c.get('ops').templates.get(c.req.valid('param').template)), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'patch',
      path: '/templates/{template}',
      tag,
      summary: 'Change lifecycle options',
      description:
        'Only the options given change. Changing the autodelete time moves dormant workspaces’ deletion dates; changing allowed days or autostart permission recomputes next autostarts — in the same transaction.',
      errors: [404],
      request: {
        params: TemplateParam,
        body: jsonBody(
          TemplatePolicyInput.extend({
            resetInactivity: z.boolean().optional().openapi({
              description:
                'Every workspace of the template last used now, in the same transaction (docs/rules.md#policy-dry-run-and-timeline).',
            }),
          }),
        ),
      },
      responses: {
        200: json(
          z
            .object({
              template: TemplateSchema,
              deletingAtRecomputed: z.number().int(),
              autostartRecomputed: z.number().int(),
              inactivityReset: z.number().int().openapi({ description: 'Workspaces whose last use was reset to now.' }),
            })
            .openapi('TemplateUpdate'),
          'The template, and how many workspaces the change recomputed.',
        ),
      },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      const { resetInactivity, ...policy } = c.req.valid('json');
      const r = await c.get('ops').templates.update(c.req.valid('param').template, options(policy), { resetInactivity });
      return c.json({ ...r, template: templateJson(r.template) }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/templates/{template}/versions',
      tag,
      summary: 'List versions',
      errors: [404],
      request: { params: TemplateParam, query: PageQuery },
      responses: { 200: json(page(VersionSchema, 'VersionPage'), 'A page of versions, oldest first.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'member');
      const r = await c.get('ops').templates.versionPage(c.req.valid('param').template, c.req.valid('query'));
      return c.json({ items: r.items.map(versionJson), nextCursor: r.nextCursor }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/templates/{template}/versions',
      tag,
      summary: 'Add a version',
      errors: [404, 409],
      request: {
        params: TemplateParam,
        body: jsonBody(z.object({ name: z.string().max(200), activate: z.boolean().optional() }).strict()),
      },
      responses: { 201: json(VersionSchema, 'The version.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      const b = c.req.valid('json');
      const version = await c.get('ops').templates.createVersion(c.req.valid('param').template, b.name, { activate: b.activate });
      return c.json(versionJson(version), 201);
    },
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/templates/{template}/active-version',
      tag,
      summary: 'Promote a version',
      description: 'New workspaces, and autostarts of workspaces that update automatically, build the active version.',
      errors: [404],
      request: { params: TemplateParam, body: jsonBody(z.object({ version: z.string().max(200) }).strict()) },
      responses: { 200: json(TemplateSchema, 'The template.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      const t = await c.get('ops').templates.promoteVersion(c.req.valid('param').template, c.req.valid('json').version);
      return c.json(templateJson(t), 200);
    },
  );
}
