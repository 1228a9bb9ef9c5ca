// Reminder actions (docs/rules.md#reminder-actions, docs/api.md#reminder-actions):
// - `POST /api/v1/workspaces/{workspace}/keep-running` and `…/skip-stop`, with a bearer token like every change;
// - `GET` and `POST /actions/{token}`, the single-use links of notifications, OUTSIDE bearer
//   authentication: the token in the path is the capability. GET only shows what the link will do (mail
//   scanners open links); POST does it. Both answer HTML, or JSON for a client that asks only for JSON.

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type ActionLink, type ActionResult, type Ops, OpsError } from '../../ops/index.js';
import { type ApiEnv, workspaceAccess } from '../auth.js';
import { type ApiErrorCode, ERROR_STATUS, ErrorSchema } from '../errors.js';
import { apiRoute, json, jsonBody } from '../route.js';
import { WorkspaceParam } from '../schemas.js';

const tag = 'Workspaces';

const Deadline = z.object({ deadline: z.string() }).openapi('MovedDeadline');

export function reminderActionRoutes(app: OpenAPIHono<ApiEnv>) {
  app.openapi(
    apiRoute({
      method: 'post',
      path: '/workspaces/{workspace}/keep-running',
      tag,
      summary: 'Keep running longer',
      description:
        'The deadline moves `for` later (default 1 h; send `{}`), capped at the max deadline. 409 when not running; 422 where the template forbids user autostop or the deadline is already its max deadline.',
      errors: [404, 409, 422],
      request: {
        params: WorkspaceParam,
        // Required like every body of this API: `{}` keeps it running 1 h longer.
        body: jsonBody(
          z
            .object({
              for: z
                .union([z.string().max(64), z.number().int()])
                .optional()
                .openapi({ description: 'A duration (`2h`) or milliseconds; default 1 h.' }),
            })
            .strict(),
        ),
      },
      responses: { 200: json(Deadline, 'The new deadline.') },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const body = c.req.valid('json');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
      c.set('fields', { duration: 'for' });
      const { deadline } = await c.get('ops').reminders.keepRunning(w.id, body.for === undefined ? {} : { by: body.for });
      return c.json({ deadline: deadline.toISOString() }, 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/workspaces/{workspace}/skip-stop',
      tag,
      summary: 'Skip the next stop',
      description:
        'The deadline moves 24 h later, capped at the max deadline. 409 when not running; 422 where the template forbids user autostop or the deadline is already its max deadline.',
      errors: [404, 409, 422],
      request: { params: WorkspaceParam },
      responses: { 200: json(Deadline, 'The new deadline.') },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const w = await workspaceAccess(c.get('ops'), c.get('principal'), workspace, 'change');
      const { deadline } = await c.get('ops').reminders.skipStop(w.id);
      return c.json({ deadline: deadline.toISOString() }, 200);
    },
  );
}

const TokenParam = z.object({
  token: z
    .string()
    .max(200)
    .openapi({ param: { name: 'token', in: 'path' }, description: 'The link’s single-use token (43 characters of base64url).' }),
});

const ActionResultSchema = z
  .object({
    action: z.enum(['extend', 'skip-stop', 'keep']),
    workspace: z.string().openapi({ description: '`owner/name`' }),
    deadline: z.string().nullable().openapi({ description: 'The new deadline (extend, skip-stop).' }),
    dormantAt: z.string().nullable(),
    deletingAt: z.string().nullable(),
  })
  .openapi('ActionResult');

const ActionLinkSchema = z
  .object({
    action: z.enum(['extend', 'skip-stop', 'keep']),
    does: z.string(),
    workspace: z.string().openapi({ description: '`owner/name`' }),
    deadline: z.string().nullable().openapi({ description: 'The running build’s deadline now.' }),
    deletingAt: z.string().nullable(),
    expiresAt: z.string(),
  })
  .openapi('ActionLink');

const either = (description: string) => ({
  description,
  content: { 'text/html': { schema: z.string() }, 'application/json': { schema: ErrorSchema } },
});
const LINK_ERRORS = {
  400: either('The token is malformed (not a link this service makes).'),
  404: either('No such link.'),
  409: either('The workspace’s state forbids it now (not running, not dormant, deleted).'),
  410: either('The link was already used, or it expired.'),
  422: either('Refused by the lifecycle policy: the template forbids user autostop, or the deadline is already its max deadline.'),
  431: { description: 'The URL or the headers are larger than 16 KiB (refused by the HTTP server before any route; no body).' },
  503: either('The database did not answer; try again.'),
} as const;

/** The link routes, on the operations module itself: the actor is the workspace's owner, named `link:<action>` in the audit log. */
export function actionLinkRoutes(app: OpenAPIHono<ApiEnv>, ops: Ops) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/actions/{token}',
      tags: ['Reminder actions'],
      summary: 'Confirm an action link',
      description:
        'A page saying what the link will do, for which workspace, with the current deadline and a button that POSTs it. Changes nothing: mail scanners open links. No bearer token: the token in the path is the capability.',
      request: { params: TokenParam },
      responses: {
        200: {
          description: 'The confirmation page (HTML), or what the link does (JSON).',
          content: { 'text/html': { schema: z.string() }, 'application/json': { schema: ActionLinkSchema } },
        },
        ...LINK_ERRORS,
      },
    }),
    async (c) => {
      const { token } = c.req.valid('param');
      return answer(c, async () => {
        const link = await ops.reminders.describeLink(token);
        return wantsJson(c) ? c.json(linkJson(link), 200) : page(c, 200, 'Confirm', confirmationPage(link));
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/actions/{token}',
      tags: ['Reminder actions'],
      summary: 'Use an action link',
      description:
        'Does what the link says, once, as the workspace’s owner: extend (1 h), skip-stop (24 h, capped at the max deadline) or keep (wake a dormant workspace). Answers with the new deadline, as HTML, or as JSON when `Accept` asks only for JSON. In every error case nothing changes.',
      request: { params: TokenParam },
      responses: {
        200: {
          description: 'Done.',
          content: { 'text/html': { schema: z.string() }, 'application/json': { schema: ActionResultSchema } },
        },
        ...LINK_ERRORS,
      },
    }),
    async (c) => {
      const { token } = c.req.valid('param');
      return answer(c, async () => {
        const result = await ops.reminders.useLink(token);
        return wantsJson(c) ? c.json(resultJson(result), 200) : page(c, 200, 'Done', `<h1>Done</h1><p>${esc(doneSentence(result))}</p>`);
      });
    },
  );
}

/** Answers with `ok`'s result; a refusal is a page with the same status for a browser, the API's error JSON otherwise. */
async function answer(c: Context<ApiEnv>, ok: () => Promise<Response>): Promise<Response> {
  try {
    return await ok();
  } catch (err) {
    if (err instanceof OpsError && !wantsJson(c)) return errorPage(c, err);
    throw err;
  }
}

function errorPage(c: Context, err: OpsError): Response {
  const code: ApiErrorCode = err.code === 'timeout' ? 'unavailable' : err.code;
  return page(c, ERROR_STATUS[code], 'Nothing was changed', `<h1>Nothing was changed</h1><p>${esc(err.message)}</p>`);
}

/** A client that asks for JSON and not for HTML gets JSON; a browser (and `*\/*`) gets the page. */
const wantsJson = (c: Context) => {
  const accept = c.req.header('accept') ?? '';
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
};

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function linkJson(l: ActionLink) {
  return {
    action: l.action,
    does: l.does,
    workspace: l.workspace,
    deadline: iso(l.deadline),
    deletingAt: iso(l.deletingAt),
    expiresAt: l.expiresAt.toISOString(),
  };
}

function resultJson(r: ActionResult) {
  return {
    action: r.action,
    workspace: r.workspace,
    deadline: iso(r.deadline),
    dormantAt: iso(r.dormantAt),
    deletingAt: iso(r.deletingAt),
  };
}

const BUTTON: Record<ActionLink['action'], string> = {
  extend: 'Keep it running 1 h longer',
  'skip-stop': 'Skip the next stop',
  keep: 'Keep it',
};

function confirmationPage(link: ActionLink): string {
  const rows: Array<[string, string]> = [['Workspace', link.workspace]];
  if (link.action === 'keep') rows.push(['Deleted after', link.deletingAt === null ? 'not scheduled' : link.deletingAt.toISOString()]);
  else rows.push(['Deadline now', link.deadline === null ? 'none (not running)' : link.deadline.toISOString()]);
  rows.push(['Link valid until', link.expiresAt.toISOString()]);
  return [
    `<h1>${esc(BUTTON[link.action])}?</h1>`,
    `<p>This will ${esc(link.does)}.</p>`,
    `<dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`,
    // No action attribute: the form posts to this same URL, so the token is written nowhere else.
    `<form method="post"><button type="submit">${esc(BUTTON[link.action])}</button></form>`,
    '<p>Opening this page changed nothing. The link works once.</p>',
  ].join('\n');
}

function doneSentence(r: ActionResult): string {
  if (r.action === 'keep') return `${r.workspace} is awake: no longer dormant, and not scheduled for deletion.`;
  return `The deadline of ${r.workspace} is now ${r.deadline?.toISOString()}.`;
}

function page(c: Context, status: number, title: string, body: string): Response {
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  return c.html(
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>autobuild: ${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}dt{font-weight:600}button{font-size:1rem;padding:.5rem 1rem}</style>
</head><body><main>
${body}
</main></body></html>
`,
    status as 200,
  );
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
