// Pause and skip (docs/rules.md#pause-and-skip) under /api/v1/workspaces, and
// holiday calendars (docs/rules.md#holiday-calendars) under /api/v1/calendars,
// with their attachment to templates and users. Pausing and skipping is for
// whoever may change the workspace; calendars are read by every member and
// changed by template admins and owners; a user's own calendars are theirs
// (or an owner's) to attach.

import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AutostartState, CalendarChange } from '../../ops/index.js';
import { calendarJson, pauseJson } from '../../ops/json.js';
import { type ApiEnv, requireRole, userAccess, workspaceAccess } from '../auth.js';
import { ApiError, forbidden } from '../errors.js';
import { apiRoute, json, jsonBody } from '../route.js';
import { AutostartPauseSchema, PageQuery, page, WorkspaceParam } from '../schemas.js';
import { TemplateParam } from './templates.js';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

const AutostartStateSchema = z
  .object({
    workspace: z.string(),
    autostartPause: AutostartPauseSchema,
    autostartSkipAt: z.string().nullable(),
    nextStartAt: z.string().nullable(),
    autostartBlocked: z.string().nullable(),
  })
  .openapi('AutostartState');

const stateJson = (s: AutostartState) => ({
  workspace: s.workspace,
  autostartPause: pauseJson(s.pause),
  autostartSkipAt: iso(s.skipAt),
  nextStartAt: iso(s.nextStartAt),
  autostartBlocked: s.autostartBlocked,
});

const HolidaySchema = z.object({ date: z.string().openapi({ example: '2024-12-25' }), name: z.string().nullable() });
const CalendarSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    dates: z.number().int().openapi({ description: 'How many dates it lists.' }),
    templates: z.array(z.string()).openapi({ description: 'The templates it is attached to.' }),
    users: z.array(z.string()).openapi({ description: 'The users it is attached to.' }),
    createdAt: z.string(),
    holidays: z.array(HolidaySchema).optional().openapi({ description: 'Every date, in order (one calendar only).' }),
  })
  .openapi('Calendar');
const CalendarChangeSchema = z
  .object({
    calendar: CalendarSchema,
    dates: z.number().int().openapi({ description: 'Dates added, renamed or removed.' }),
    autostartRecomputed: z.number().int().openapi({ description: 'Workspaces whose next_start_at or blocked record changed.' }),
  })
  .openapi('CalendarChange');
const changeJson = (r: CalendarChange) => ({
  calendar: calendarJson(r.calendar),
  dates: r.dates,
  autostartRecomputed: r.autostartRecomputed,
});

const CalendarParam = z.object({
  calendar: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'calendar', in: 'path' }, description: 'Calendar name or id.', example: 'de-holidays' }),
});
const DateParam = CalendarParam.extend({
  date: z
    .string()
    .min(1)
    .max(40)
    .openapi({ param: { name: 'date', in: 'path' }, description: 'A date, YYYY-MM-DD.', example: '2024-12-25' }),
});
const UserCalendarParam = CalendarParam.extend({
  user: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'user', in: 'path' }, description: 'Username, id, or `me`.', example: 'me' }),
});
const TemplateCalendarParam = CalendarParam.merge(TemplateParam);

export function pauseRoutes(app: OpenAPIHono<ApiEnv>) {
  const tag = 'Workspaces';
  app.openapi(
    apiRoute({
      method: 'put',
      path: '/workspaces/{workspace}/pause',
      tag,
      summary: 'Pause autostart',
      description:
        'Autostart does not fire until `until` (an instant, or a date YYYY-MM-DD: midnight at its start in the schedule’s zone), or indefinitely without it; replaces any pause. Autostop is never paused. At most 370 days ahead.',
      errors: [404, 409],
      request: {
        params: WorkspaceParam,
        body: jsonBody(
          z
            .object({
              until: z.string().max(100).nullable().optional().openapi({ example: '2027-01-04' }),
              note: z.string().max(500).nullable().optional().openapi({ example: 'parental leave' }),
            })
            .strict(),
        ),
      },
      responses: { 200: json(AutostartStateSchema, 'The pause, the skip and the next autostart now.') },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const b = c.req.valid('json');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
      return c.json(stateJson(await c.get('ops').autostart.pause(w.id, { until: b.until ?? null, note: b.note ?? null })), 200);
    },
  );

  for (const [method, path, summary, description, run] of [
    [
      'delete',
      'pause',
      'Resume autostart',
      '409 when it is not paused.',
      (ops: ApiEnv['Variables']['ops'], id: string) => ops.autostart.resume(id),
    ],
    [
      'put',
      'skip-next',
      'Skip the next autostart',
      'Only the next occurrence (the pending one, when it is due) does not start; the one after it does. 409 when there is none.',
      (ops: ApiEnv['Variables']['ops'], id: string) => ops.autostart.skipNext(id),
    ],
    [
      'delete',
      'skip-next',
      'Undo the skip',
      '409 when no occurrence is skipped.',
      (ops: ApiEnv['Variables']['ops'], id: string) => ops.autostart.unskip(id),
    ],
  ] as const) {
    app.openapi(
      apiRoute({
        method,
        path: `/workspaces/{workspace}/${path}`,
        tag,
        summary,
        description,
        errors: [404, 409],
        request: { params: WorkspaceParam },
        responses: { 200: json(AutostartStateSchema, 'The pause, the skip and the next autostart now.') },
      }),
      async (c) => {
        const { workspace } = c.req.valid('param');
        const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
        return c.json(stateJson(await run(c.get('ops'), w.id)), 200);
      },
    );
  }
}

export function calendarRoutes(app: OpenAPIHono<ApiEnv>) {
  const tag = 'Calendars';

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/calendars',
      tag,
      summary: 'List holiday calendars',
      description: 'By name; every member may read them.',
      request: { query: PageQuery },
      responses: { 200: json(page(CalendarSchema, 'CalendarPage'), 'A page of calendars.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'member');
      const r = await c.get('ops').calendars.list(c.req.valid('query'));
      return c.json({ items: r.items.map(calendarJson), nextCursor: r.nextCursor }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/calendars',
      tag,
      summary: 'Create a holiday calendar',
      description: 'Template admins and owners. 409 when the name is taken.',
      errors: [409],
      request: { body: jsonBody(z.object({ name: z.string().max(200) }).strict()) },
      responses: { 201: json(CalendarSchema, 'The calendar, with no dates.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      c.set('fields', { 'calendar name': 'name' });
      return c.json(calendarJson(await c.get('ops').calendars.create(c.req.valid('json').name)), 201);
    },
  );

  app.openapi(
    apiRoute({
      method: 'get',
      path: '/calendars/{calendar}',
      tag,
      summary: 'A calendar and its dates',
      errors: [404],
      request: { params: CalendarParam },
      responses: { 200: json(CalendarSchema, 'The calendar with every date.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'member');
      return c.json(calendarJson(await c.get('ops').calendars.get(c.req.valid('param').calendar)), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'delete',
      path: '/calendars/{calendar}',
      tag,
      summary: 'Delete a calendar',
      description: 'With its dates and attachments; the workspaces it held back are recomputed.',
      errors: [404],
      request: { params: CalendarParam },
      responses: { 200: json(CalendarChangeSchema, 'The calendar as it was.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      return c.json(changeJson(await c.get('ops').calendars.delete(c.req.valid('param').calendar)), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'put',
      path: '/calendars/{calendar}/dates/{date}',
      tag,
      summary: 'Add (or rename) a date',
      errors: [404],
      request: { params: DateParam, body: jsonBody(z.object({ name: z.string().max(200).nullable().optional() }).strict()) },
      responses: { 200: json(CalendarChangeSchema, 'The calendar now.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      const { calendar, date } = c.req.valid('param');
      return c.json(changeJson(await c.get('ops').calendars.addDate(calendar, date, c.req.valid('json').name ?? null)), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'delete',
      path: '/calendars/{calendar}/dates/{date}',
      tag,
      summary: 'Remove a date',
      errors: [404],
      request: { params: DateParam },
      responses: { 200: json(CalendarChangeSchema, 'The calendar now.') },
    }),
    async (c) => {
      requireRole(c.get('principal'), 'template-admin');
      const { calendar, date } = c.req.valid('param');
      return c.json(changeJson(await c.get('ops').calendars.removeDate(calendar, date)), 200);
    },
  );

  // The body is an iCalendar file (text/calendar) or JSON {ics}: not apiRoute's JSON-only gate.
  const gated = apiRoute({
    method: 'post',
    path: '/calendars/{calendar}/import',
    tag,
    summary: 'Import an iCalendar file',
    description:
      'Adds every all-day event (multi-day ones as each date, recurring ones over the next two years); creates the calendar when there is none of that name. A timed event or an unreadable file is refused and nothing is written.',
    errors: [404, 409],
    request: {
      params: CalendarParam,
      body: {
        required: true,
        content: {
          'text/calendar': { schema: z.string().openapi({ example: 'BEGIN:VCALENDAR…' }) },
          // Optional here only because a text/calendar body reads as {} to the JSON check; required below.
          'application/json': { schema: z.object({ ics: z.string().optional() }).strict() },
        },
      },
    },
    responses: { 200: json(CalendarChangeSchema, 'The calendar now.') },
  });
  const { middleware: _jsonOnly, ...importRoute } = gated as typeof gated & { middleware?: unknown };
  app.openapi(importRoute, async (c) => {
    requireRole(c.get('principal'), 'template-admin');
    const type = c.req.header('content-type') ?? '';
    let ics: string;
    if (/^text\/calendar\s*(;|$)/i.test(type)) ics = await c.req.text();
    else if (/^application\/json\s*(;|$)/i.test(type)) {
      const body = c.req.valid('json') as { ics?: string };
      if (body.ics === undefined) throw new ApiError('invalid', 'invalid ics: Required', 'ics');
      ics = body.ics;
    } else throw new ApiError('unsupported_media_type', 'send the file as text/calendar, or JSON {"ics": "…"}');
    c.set('fields', { ics: 'ics' });
    return c.json(changeJson(await c.get('ops').calendars.import(c.req.valid('param').calendar, ics)), 200);
  });

  for (const method of ['put', 'delete'] as const) {
    const attach = method === 'put';
    app.openapi(
      apiRoute({
        method,
        path: '/templates/{template}/calendars/{calendar}',
        tag,
        summary: attach ? 'Attach a calendar to a template' : 'Detach a calendar from a template',
        description:
          'Template admins and owners. Every workspace of the template is recomputed. 409 when it already is (or is not) attached.',
        errors: [404, 409],
        request: { params: TemplateCalendarParam },
        responses: { 200: json(CalendarChangeSchema, 'The calendar now.') },
      }),
      async (c) => {
        requireRole(c.get('principal'), 'template-admin');
        const { calendar, template } = c.req.valid('param');
        const ops = c.get('ops').calendars;
        return c.json(changeJson(await (attach ? ops.attach(calendar, { template }) : ops.detach(calendar, { template }))), 200);
      },
    );
    app.openapi(
      apiRoute({
        method,
        path: '/users/{user}/calendars/{calendar}',
        tag,
        summary: attach ? 'Attach a calendar to a user' : 'Detach a calendar from a user',
        description: 'The user themselves or an owner. Every workspace of the user is recomputed.',
        errors: [404, 409],
        request: { params: UserCalendarParam },
        responses: { 200: json(CalendarChangeSchema, 'The calendar now.') },
      }),
      async (c) => {
        const p = c.get('principal');
        requireRole(p, 'member');
        const { calendar, user: ref } = c.req.valid('param');
        const ops = c.get('ops');
        const user = await ops.users.get(ref === 'me' ? p.userId : ref);
        userAccess(p, user, 'template-admin');
        if (user.id !== p.userId && p.role !== 'owner')
          throw forbidden(`only ${user.username} (or an owner token) may change their calendars`);
        const target = { user: user.id };
        return c.json(changeJson(await (attach ? ops.calendars.attach(calendar, target) : ops.calendars.detach(calendar, target))), 200);
      },
    );
  }
}
