// /api/v1/schedules/preview: a weekly schedule read back before it is saved,
// as the dashboard shows it beside the schedule field (docs/api.md#schedules).
// Writes nothing; the schedule's grammar is the lifecycle core's.

import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { SCHEDULE_PREVIEW_MAX } from '../../ops/index.js';
import { type ApiEnv, requireRole } from '../auth.js';
import { apiRoute, json, jsonBody } from '../route.js';
import { WeekdaySchema } from '../schemas.js';

const SchedulePreviewSchema = z
  .object({
    schedule: z.string().openapi({ description: 'The schedule as it would be stored.' }),
    summary: z.string().openapi({ example: 'Mon–Fri 08:30 Europe/Berlin' }),
    timezone: z.string(),
    from: z.string().openapi({ description: 'The database clock’s now, from which the occurrences are counted.' }),
    allowedDays: z.array(WeekdaySchema).nullable().openapi({ description: 'The template’s allowed autostart days; null without one.' }),
    occurrences: z.array(
      z.object({
        at: z.string(),
        weekday: WeekdaySchema.openapi({ description: 'In the schedule’s zone.' }),
        allowed: z.boolean().openapi({ description: 'The template allows autostart on this day (always true without a template).' }),
      }),
    ),
  })
  .openapi('SchedulePreview');

export function scheduleRoutes(app: OpenAPIHono<ApiEnv>) {
  app.openapi(
    apiRoute({
      method: 'post',
      path: '/schedules/preview',
      tag: 'Schedules',
      summary: 'Read a schedule back before saving it',
      description:
        'The schedule as a person reads it and its next occurrences (default 5), from the database clock; with `template`, whether the template allows autostart on each. Pauses, skips and holidays of a workspace are not applied. Writes nothing.',
      errors: [404],
      request: {
        body: jsonBody(
          z
            .object({
              schedule: z.string().openapi({ example: 'CRON_TZ=Europe/Berlin 30 8 * * mon-fri' }),
              template: z.string().max(200).optional().openapi({ description: 'Template name or id.' }),
              count: z
                .number()
                .int()
                .optional()
                .openapi({ description: `Occurrences, 1–${SCHEDULE_PREVIEW_MAX} (default 5).` }),
            })
            .strict(),
        ),
      },
      responses: { 200: json(SchedulePreviewSchema, 'The schedule read back.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'member');
      const b = c.req.valid('json');
      c.set('fields', { 'autostart schedule': 'schedule' });
      const p = await c.get('ops').schedules.preview(b);
      return c.json(
        {
          schedule: p.schedule,
          summary: p.summary,
          timezone: p.timezone,
          from: p.from.toISOString(),
          allowedDays: p.allowedDays,
          occurrences: p.occurrences.map((o) => ({ at: o.at.toISOString(), weekday: o.weekday, allowed: o.allowed })),
        },
        200,
      );
    },
  );
}
