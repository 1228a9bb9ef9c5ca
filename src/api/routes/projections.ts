// The policy dry-run and the workspace timeline (docs/rules.md#policy-dry-run-and-timeline,
// docs/api.md#policy-dry-run-and-timeline): the lifecycle core's projection, writing nothing.
// The dry-run is for those who may change the template; the timeline for those who may see
// the workspace, as explain.

import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { CHANGE_KINDS } from '../../lifecycle/index.js';
import { dryRunJson, PROJECTION_DAYS, timelineJson } from '../../ops/index.js';
import { type ApiEnv, requireRole, workspaceAccess } from '../auth.js';
import { apiRoute, json, jsonBody } from '../route.js';
import { TemplatePolicyInput, WorkspaceParam } from '../schemas.js';
import { options, TemplateParam } from './templates.js';

const { min, max } = PROJECTION_DAYS;
const daysDescription = (fallback: number) => `Days to project from now, ${min}–${max} (default ${fallback}).`;
const assumption = z.string().openapi({ description: 'What the projection assumes: no future activity.' });

const ChangeSchema = z.object({
  kind: z.enum(CHANGE_KINDS),
  before: z.string().nullable().openapi({ description: 'The instant under the current policy; null = not within the days projected.' }),
  after: z.string().nullable().openapi({ description: 'The instant under the proposed policy; null = not within the days projected.' }),
  rule: z.string().openapi({ description: 'The rule that produces the event, with the instants it compared.' }),
});

const DryRunSchema = z
  .object({
    template: z.string(),
    templateId: z.string(),
    from: z.string(),
    until: z.string(),
    days: z.number().int(),
    assumption,
    resetInactivity: z.boolean(),
    policy: z.object({ before: z.record(z.string(), z.unknown()), after: z.record(z.string(), z.unknown()) }),
    workspaces: z.number().int().openapi({ description: 'Live workspaces of the template.' }),
    projected: z.number().int().openapi({ description: 'Workspaces the change can reach, projected under both policies.' }),
    changed: z.number().int(),
    truncated: z.number().int().openapi({ description: 'Projections cut short by the step bound.' }),
    counts: z.record(z.string(), z.number().int()),
    changes: z.array(z.object({ id: z.string(), workspace: z.string(), changes: z.array(ChangeSchema) })),
  })
  .openapi('PolicyDryRun');

const TimelineSchema = z
  .object({
    id: z.string(),
    workspace: z.string(),
    from: z.string(),
    until: z.string(),
    days: z.number().int(),
    assumption,
    truncated: z.boolean(),
    events: z.array(
      z.object({
        at: z.string(),
        kind: z.enum(['start', 'stop', 'reminder', 'dormant', 'delete-warning', 'delete']),
        transition: z.enum(['start', 'stop', 'delete']).nullable(),
        reason: z.string().nullable(),
        rule: z.string(),
      }),
    ),
  })
  .openapi('Timeline');

/** Whole numbers as numbers; anything else as given, so that the refusal quotes it. */
const days = (raw: string | undefined): unknown => (raw === undefined ? undefined : /^\d{1,6}$/.test(raw) ? Number(raw) : raw);

export function projectionRoutes(app: OpenAPIHono<ApiEnv>) {
  app.openapi(
    apiRoute({
      method: 'post',
      path: '/templates/{template}/dry-run',
      tag: 'Templates',
      summary: 'What a template change would do',
      description:
        'The body of `PATCH /templates/{template}` (and `resetInactivity`), plus `days`. Writes nothing: reports, for the next days, each workspace whose projected events differ between the current and the proposed policy, with the rule of each change, assuming no future activity.',
      errors: [404],
      request: {
        params: TemplateParam,
        body: jsonBody(
          TemplatePolicyInput.extend({
            resetInactivity: z.boolean().optional().openapi({ description: 'Project as if every workspace were last used now.' }),
            days: z
              .number()
              .optional()
              .openapi({ description: daysDescription(PROJECTION_DAYS.dryRunDefault) }),
          }),
        ),
      },
      responses: { 200: json(DryRunSchema, 'The workspaces whose events would change, and how.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      const { resetInactivity, days: n, ...policy } = c.req.valid('json');
      const r = await c
        .get('ops')
        .templates.update(c.req.valid('param').template, options(policy), { dryRun: true, days: n, resetInactivity });
      return c.json(dryRunJson(r), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/workspaces/{workspace}/timeline',
      tag: 'Workspaces',
      summary: 'What will happen to a workspace, and when',
      description:
        'The projected events of the next days (autostart, autostop, reminder, dormancy, deletion), each at the tick the engine acts with its rule, assuming no future activity. Writes nothing.',
      errors: [404, 409],
      request: {
        params: WorkspaceParam,
        query: z.object({
          days: z
            .string()
            .max(20)
            .optional()
            .openapi({ param: { name: 'days', in: 'query' }, description: daysDescription(PROJECTION_DAYS.timelineDefault) }),
        }),
      },
      responses: { 200: json(TimelineSchema, 'The events, in order.') },
    }),
    async (c) => {
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), c.req.valid('param').workspace, 'see');
      const t = await c.get('ops').workspaces.timeline(w.id, { days: days(c.req.valid('query').days) as number | undefined });
      return c.json(timelineJson(t), 200);
    },
  );
}
