// The web dashboard (README.md#web-dashboard): server-rendered pages for
// workspace owners and template admins, on the API and nothing else. Every
// page and every form asks the API's own handlers in process with the
// signed-in person's token (./api-client.ts), so the dashboard holds no rule
// and no SQL: what it shows and refuses is the API's answer.
//
// Sessions: ./session.ts. Every form carries the session's form token, and a
// POST whose token does not match is refused before anything is asked; Hono's
// csrf middleware also refuses a form posted from another origin.
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { parseDuration } from '../lifecycle/index.js';
import type { Logger } from '../runtime/logger.js';
import { ApiClient, type ApiFailure, type ApiRequest, seg } from './api-client.js';
import { Layout, type Viewer } from './layout.js';
import { AuditPage } from './pages/audit.js';
import { SignInPage } from './pages/signin.js';
import { TEMPLATE_OPTIONS, TemplatesPage } from './pages/templates.js';
import { type TimelineEvent, WorkspacePage } from './pages/workspace.js';
import { type LoadedWorkspace, WorkspacesPage } from './pages/workspaces.js';
import { formTokenMatches, isSession, newFormToken, type Session, type SessionKey } from './session.js';
import type {
  AuditEntryJson,
  BuildJson,
  DryRunJson,
  ExplanationJson,
  FormState,
  Page,
  SchedulePreviewJson,
  TemplateJson,
  WorkspaceJson,
  WorkspaceSummaryJson,
} from './types.js';

export const SESSION_COOKIE = 'autobuild_session';
export const SIGNIN_COOKIE = 'autobuild_signin';
const TIMELINE_DAYS = 7;

export interface DashboardOptions {
  /** The API app's own `request`: the pages' only way to the engine. */
  api: ApiRequest;
  key: SessionKey;
  /** The Temporal UI's address and the namespace, for links to a workspace's runs; null = no link. */
  temporalUi: { url: string; namespace: string } | null;
  log: Logger;
}

/** What the cookie holds: the token and form token, and who signed in (for the page header only; the API decides). */
interface StoredSession extends Session {
  username: string;
  role: string;
}

interface Env {
  Variables: { session: StoredSession; api: ApiClient; viewer: Viewer };
}

/** The fixed notices a redirect after a change may show (`?done=`). */
const NOTICES: Record<string, string> = {
  start: 'Start requested: the build is running.',
  stop: 'Stop requested: the build is running.',
  extend: 'Deadline moved.',
  pause: 'Autostart paused.',
  resume: 'Autostart resumed.',
  'skip-next': 'The next autostart is skipped.',
  unskip: 'The skip is undone.',
  'keep-running': 'Deadline moved 1 h later.',
  'skip-stop': 'The next stop is skipped: the deadline moved 24 h later (or to the limit).',
  'schedule-save': 'Schedule saved.',
  'schedule-clear': 'Schedule cleared.',
  'ttl-save': 'TTL saved.',
  'ttl-clear': 'TTL cleared.',
  template: 'Template saved.',
};

const secure = (c: Context) => new URL(c.req.url).protocol === 'https:';
const cookieOptions = (c: Context) => ({ httpOnly: true, sameSite: 'Strict' as const, path: '/', secure: secure(c) });

/** `/` or `/workspaces/<id>`: where a form goes back to; anything else is `/` (no open redirect). */
const backPath = (v: unknown) => (typeof v === 'string' && /^\/(workspaces\/[A-Za-z0-9%._~-]+)?$/.test(v) ? v : '/');

const render = (c: Context, page: JSX.Element, status: 200 | 400 | 403 | 404 | 409 | 422 | 500 | 503 = 200) =>
  c.html(`<!doctype html>${page}`, status);

const statusOf = (e: ApiFailure) =>
  ([400, 403, 404, 409, 422, 503].includes(e.status) ? e.status : 500) as 400 | 403 | 404 | 409 | 422 | 503;

function isSessionRecord(v: unknown): v is StoredSession {
  const s = v as Partial<StoredSession>;
  return isSession(v) && typeof s.username === 'string' && typeof s.role === 'string';
}

export function createDashboard(o: DashboardOptions): Hono<Env> {
  const app = new Hono<Env>();

  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status === 403) {
      return render(c, <ErrorPage title="Refused" message="This form was not sent from this dashboard, so nothing was changed." />, 403);
    }
    o.log.error('dashboard page failed', { err, path: c.req.path });
    return render(
      c,
      <ErrorPage title="Something went wrong" message="The page could not be shown; the service log has the details." />,
      500,
    );
  });

  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Frame-Options', 'DENY');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
  });
  // The second layer: a form posted from another origin is refused before its token is even read.
  app.use('*', csrf());

  const signinPage = (c: Context, opts: { error?: string; notice?: string } = {}, status: 200 | 400 | 403 = 200) => {
    const token = newFormToken();
    setCookie(c, SIGNIN_COOKIE, o.key.seal(SIGNIN_COOKIE, { csrf: token }), cookieOptions(c));
    return render(c, <SignInPage csrf={token} {...opts} />, status);
  };

  const signedOut = (c: Context, notice: string) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect(`/signin?notice=${encodeURIComponent(notice)}`, 303);
  };

  app.get('/signin', (c) => {
    if (isSessionRecord(o.key.open(SESSION_COOKIE, getCookie(c, SESSION_COOKIE)))) return c.redirect('/', 303);
    const notice = c.req.query('notice');
    return signinPage(c, notice === undefined ? {} : { notice: notice.slice(0, 200) });
  });

  app.post('/signin', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const pending = o.key.open(SIGNIN_COOKIE, getCookie(c, SIGNIN_COOKIE)) as { csrf?: unknown } | null;
    if (typeof pending?.csrf !== 'string' || !formTokenMatches(pending.csrf, form.csrf)) {
      return signinPage(c, { error: 'The sign-in form expired or was not sent from this page; try again.' }, 403);
    }
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (token === '') return signinPage(c, { error: 'Enter an API token.' }, 400);
    const api = new ApiClient(o.api, token);
    const me = await api.get<{ username: string }>('/users/me');
    if (!me.ok) return signinPage(c, { error: me.error.message }, me.error.status === 401 ? 400 : 403);
    const tokens = await api.get<Page<{ id: string; role: string }>>('/tokens');
    const tokenId = token.split('_')[1];
    const role = (tokens.ok ? tokens.body.items.find((t) => t.id === tokenId)?.role : undefined) ?? 'member';
    const session: StoredSession = { token, csrf: newFormToken(), username: me.body.username, role };
    setCookie(c, SESSION_COOKIE, o.key.seal(SESSION_COOKIE, session), cookieOptions(c));
    deleteCookie(c, SIGNIN_COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });

  // Every other page needs a session; a cookie that does not open is no session.
  app.use('*', async (c, next) => {
    const raw = getCookie(c, SESSION_COOKIE);
    const session = o.key.open(SESSION_COOKIE, raw);
    if (!isSessionRecord(session)) {
      if (raw !== undefined) return signedOut(c, 'Your session was not valid; sign in again.');
      return c.redirect('/signin', 303);
    }
    c.set('session', session);
    c.set('api', new ApiClient(o.api, session.token));
    c.set('viewer', { username: session.username, role: session.role, csrf: session.csrf });
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody({ all: true });
      if (!formTokenMatches(session.csrf, form.csrf)) {
        return render(
          c,
          <ErrorPage
            viewer={c.get('viewer')}
            title="Refused"
            message="The form's token does not match your session, so nothing was changed. Reload the page and try again."
          />,
          403,
        );
      }
    }
    await next();
  });

  app.post('/signout', (c) => signedOut(c, 'Signed out.'));

  /** An answer of the API that means the session's token no longer works. */
  const expired = (e: ApiFailure) => e.status === 401;

  async function loadWorkspace(api: ApiClient, ref: string): Promise<LoadedWorkspace | ApiFailure> {
    const w = await api.get<WorkspaceJson>(`/workspaces/${seg(ref)}`);
    if (!w.ok) return w.error;
    const e = await api.get<ExplanationJson>(`/workspaces/${seg(w.body.id)}/explain`);
    return e.ok ? { w: w.body, explain: e.body } : { w: w.body, explain: null, explainError: e.error.message };
  }

  async function workspacesPage(c: Context<Env>, state?: FormState, status: Parameters<typeof render>[2] = 200) {
    const api = c.get('api');
    const viewer = c.get('viewer');
    const list = await api.get<Page<WorkspaceSummaryJson>>('/workspaces', { owner: viewer.username, limit: '100' });
    if (!list.ok) {
      if (expired(list.error)) return signedOut(c, 'Your token no longer works; sign in again.');
      return render(c, <WorkspacesPage viewer={viewer} items={[]} error={list.error.message} />, statusOf(list.error));
    }
    const items: LoadedWorkspace[] = [];
    for (const s of list.body.items) {
      const loaded = await loadWorkspace(api, s.id);
      if ('w' in loaded) items.push(loaded);
    }
    const done = c.req.query('done');
    const notice = state === undefined && done !== undefined ? NOTICES[done] : undefined;
    return render(c, <WorkspacesPage viewer={viewer} items={items} state={state} notice={notice} />, status);
  }

  async function workspacePage(c: Context<Env>, ref: string, state?: FormState, status: Parameters<typeof render>[2] = 200) {
    const api = c.get('api');
    const viewer = c.get('viewer');
    const loaded = await loadWorkspace(api, ref);
    if (!('w' in loaded)) {
      if (expired(loaded)) return signedOut(c, 'Your token no longer works; sign in again.');
      return render(c, <ErrorPage viewer={viewer} title="Not found" message={loaded.message} />, statusOf(loaded));
    }
    const id = seg(loaded.w.id);
    const builds = await api.get<Page<BuildJson>>(`/workspaces/${id}/builds`, { limit: '20' });
    const wanted = Number(c.req.query('build') ?? loaded.w.latestBuild.buildNumber);
    let log: { buildNumber: number; text: string } | null = null;
    if (Number.isInteger(wanted) && wanted > 0) {
      const l = await api.get<{ buildNumber: number; log: string }>(`/workspaces/${id}/builds/${wanted}/log`);
      if (l.ok) log = { buildNumber: l.body.buildNumber, text: l.body.log };
    }
    const t = await api.get<{ from: string; days: number; events: TimelineEvent[] }>(`/workspaces/${id}/timeline`, {
      days: String(TIMELINE_DAYS),
    });
    const timeline = t.ok ? { now: t.body.from, days: t.body.days, events: t.body.events } : { error: t.error.message };
    const temporalUiLink =
      o.temporalUi === null
        ? null
        : `${o.temporalUi.url}/namespaces/${encodeURIComponent(o.temporalUi.namespace)}/workflows?query=${encodeURIComponent(`WorkspaceId="${loaded.w.id}"`)}`;
    const done = c.req.query('done');
    return render(
      c,
      <WorkspacePage
        viewer={viewer}
        item={loaded}
        builds={builds.ok ? builds.body.items : []}
        log={log}
        timeline={timeline}
        temporalUiLink={temporalUiLink}
        state={state}
        notice={state === undefined && done !== undefined ? NOTICES[done] : undefined}
      />,
      status,
    );
  }

  app.get('/', (c) => workspacesPage(c));
  app.get('/workspaces/:id', (c) => workspacePage(c, c.req.param('id')));

  /**
   * A workspace form: `act` asks the API; on success the page it came from is
   * shown again with a notice, on refusal with the API's message beside the form.
   */
  function workspaceAction(
    action: string,
    act: (api: ApiClient, id: string, form: Record<string, string>) => Promise<{ done: string } | { error: ApiFailure; form?: string }>,
  ) {
    app.post(`/workspaces/:id/${action}`, async (c) => {
      const id = c.req.param('id');
      const raw = await c.req.parseBody({ all: true });
      const form = Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
      const back = backPath(form.back);
      const result = await act(c.get('api'), id, form);
      if ('done' in result) return c.redirect(`${back}?done=${result.done}#ws-${encodeURIComponent(id)}`, 303);
      if (expired(result.error)) return signedOut(c, 'Your token no longer works; sign in again.');
      const state: FormState = {
        form: `${result.form ?? action}:${id}`,
        error: { message: result.error.message, ...(result.error.field ? { field: result.error.field } : {}) },
        values: form,
      };
      return back === '/' ? workspacesPage(c, state, statusOf(result.error)) : workspacePage(c, id, state, statusOf(result.error));
    });
  }

  /** A value the dashboard reads before asking (a duration, a choice): refused here with the API's shape. */
  const unreadable = (message: string, field: string): { error: ApiFailure } => ({
    error: { status: 400, code: 'invalid', message, field },
  });

  workspaceAction('build', async (api, id, form) => {
    const transition = form.transition === 'stop' ? 'stop' : 'start';
    const r = await api.send('POST', `/workspaces/${seg(id)}/builds`, { transition });
    return r.ok ? { done: transition } : { error: r.error };
  });

  workspaceAction('extend', async (api, id, form) => {
    // The new deadline counts from the API's clock (the explanation's instant), never this process's.
    const w = await api.get<WorkspaceJson>(`/workspaces/${seg(id)}`);
    if (!w.ok) return { error: w.error };
    let deadline: string;
    if (form.hours === 'max') {
      if (w.body.maxDeadline === null) return unreadable('this workspace has no limit to extend up to', 'hours');
      deadline = w.body.maxDeadline;
    } else {
      const hours = Number(form.hours);
      if (!Number.isInteger(hours) || hours < 1 || hours > 24) return unreadable('choose how many hours to extend by', 'hours');
      const e = await api.get<ExplanationJson>(`/workspaces/${seg(id)}/explain`);
      if (!e.ok) return { error: e.error };
      deadline = new Date(Date.parse(e.body.at) + hours * 3_600_000).toISOString();
    }
    const r = await api.send('PUT', `/workspaces/${seg(id)}/extend`, { deadline });
    return r.ok ? { done: 'extend' } : { error: r.error };
  });

  // The stop reminder's actions (the links of its notification do the same).
  workspaceAction('reminder', async (api, id, form) => {
    const r =
      form.do === 'skip-stop'
        ? await api.send('POST', `/workspaces/${seg(id)}/skip-stop`)
        : await api.send('POST', `/workspaces/${seg(id)}/keep-running`, {});
    return r.ok ? { done: form.do === 'skip-stop' ? 'skip-stop' : 'keep-running' } : { error: r.error };
  });

  workspaceAction('pause', async (api, id, form) => {
    const path = `/workspaces/${seg(id)}`;
    const until = (form.until ?? '').trim();
    const note = (form.note ?? '').trim();
    const r =
      form.do === 'resume'
        ? await api.send('DELETE', `${path}/pause`)
        : form.do === 'skip-next'
          ? await api.send('PUT', `${path}/skip-next`)
          : form.do === 'unskip'
            ? await api.send('DELETE', `${path}/skip-next`)
            : await api.send('PUT', `${path}/pause`, { until: until === '' ? null : until, note: note === '' ? null : note });
    const done = ['resume', 'skip-next', 'unskip'].includes(form.do ?? '') ? (form.do as string) : 'pause';
    return r.ok ? { done } : { error: r.error };
  });

  workspaceAction('ttl', async (api, id, form) => {
    let ttlMs: number | null = null;
    if (form.intent !== 'clear') {
      try {
        ttlMs = parseDuration((form.ttl ?? '').trim());
      } catch (err) {
        return unreadable(`invalid TTL: ${(err as Error).message}`, 'ttlMs');
      }
    }
    const r = await api.send('PUT', `/workspaces/${seg(id)}/ttl`, { ttlMs });
    return r.ok ? { done: ttlMs === null ? 'ttl-clear' : 'ttl-save' } : { error: r.error };
  });

  // Preview reads the schedule back (POST /api/v1/schedules/preview) and saves nothing.
  app.post('/workspaces/:id/schedule', async (c) => {
    const id = c.req.param('id');
    const raw = await c.req.parseBody({ all: true });
    const form = Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const back = backPath(form.back);
    const api = c.get('api');
    const again = (state: FormState, status: Parameters<typeof render>[2]) =>
      back === '/' ? workspacesPage(c, state, status) : workspacePage(c, id, state, status);
    const schedule = (form.schedule ?? '').trim();
    if (form.intent === 'preview') {
      const w = await api.get<WorkspaceJson>(`/workspaces/${seg(id)}`);
      const p = await api.send<SchedulePreviewJson>('POST', '/schedules/preview', {
        schedule,
        ...(w.ok ? { template: w.body.template } : {}),
      });
      if (p.ok) return again({ form: `schedule:${id}`, values: form, schedulePreview: p.body }, 200);
      if (expired(p.error)) return signedOut(c, 'Your token no longer works; sign in again.');
      return again({ form: `schedule:${id}`, values: form, error: { message: p.error.message, field: p.error.field } }, statusOf(p.error));
    }
    const clear = form.intent === 'clear' || schedule === '';
    const r = await api.send('PUT', `/workspaces/${seg(id)}/autostart`, { schedule: clear ? null : schedule });
    if (r.ok) return c.redirect(`${back}?done=${clear ? 'schedule-clear' : 'schedule-save'}#ws-${encodeURIComponent(id)}`, 303);
    if (expired(r.error)) return signedOut(c, 'Your token no longer works; sign in again.');
    return again({ form: `schedule:${id}`, values: form, error: { message: r.error.message, field: r.error.field } }, statusOf(r.error));
  });

  async function templatesPage(c: Context<Env>, state?: FormState, status: Parameters<typeof render>[2] = 200) {
    const viewer = c.get('viewer');
    const list = await c.get('api').get<Page<TemplateJson>>('/templates', { limit: '100' });
    if (!list.ok) {
      if (expired(list.error)) return signedOut(c, 'Your token no longer works; sign in again.');
      return render(c, <ErrorPage viewer={viewer} title="Templates" message={list.error.message} />, statusOf(list.error));
    }
    const done = c.req.query('done');
    return render(
      c,
      <TemplatesPage
        viewer={viewer}
        templates={list.body.items}
        state={state}
        notice={state === undefined && done ? NOTICES[done] : undefined}
      />,
      status,
    );
  }

  app.get('/templates', (c) => templatesPage(c));

  app.post('/templates/:id', async (c) => {
    const id = c.req.param('id');
    const raw = await c.req.parseBody({ all: true });
    const values: Record<string, string> = {};
    const patch: Record<string, unknown> = {};
    let error: { message: string; field: string } | undefined;
    for (const o of TEMPLATE_OPTIONS) {
      const v = raw[o.key];
      const list = (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
      values[o.key] = list.join(',');
      if (o.kind === 'boolean') patch[o.key] = list.includes('on');
      else if (o.kind === 'days') patch[o.key] = list;
      else if (o.kind === 'choice') {
        if (list.length > 0) patch[o.key] = list[0];
      } else if (list.length > 0) {
        const text = list[0]!.trim();
        if (o.kind === 'count') {
          patch[o.key] = /^\d+$/.test(text) ? Number(text) : Number.NaN;
          if (Number.isNaN(patch[o.key])) error ??= { message: `invalid ${o.label}: expected a whole number`, field: o.key };
        } else {
          try {
            patch[o.key] = parseDuration(text);
          } catch (err) {
            error ??= { message: `invalid ${o.label}: ${(err as Error).message}`, field: o.key };
          }
        }
      }
    }
    const state = (e: { message: string; field?: string }): FormState => ({ form: `template:${id}`, error: e, values });
    if (error) return templatesPage(c, state(error), 400);
    if (raw.intent === 'dry-run') {
      const d = await c.get('api').send<DryRunJson>('POST', `/templates/${seg(id)}/dry-run`, patch);
      if (d.ok) return templatesPage(c, { form: `template:${id}`, values, dryRun: d.body });
      if (expired(d.error)) return signedOut(c, 'Your token no longer works; sign in again.');
      return templatesPage(c, state({ message: d.error.message, field: d.error.field }), statusOf(d.error));
    }
    const r = await c.get('api').send('PATCH', `/templates/${seg(id)}`, patch);
    if (r.ok) return c.redirect('/templates?done=template', 303);
    if (expired(r.error)) return signedOut(c, 'Your token no longer works; sign in again.');
    return templatesPage(c, state({ message: r.error.message, field: r.error.field }), statusOf(r.error));
  });

  app.get('/audit', async (c) => {
    const viewer = c.get('viewer');
    const filter = { workspace: (c.req.query('workspace') ?? '').trim(), actor: (c.req.query('actor') ?? '').trim() };
    const r = await c.get('api').get<Page<AuditEntryJson>>('/audit', { workspace: filter.workspace, actor: filter.actor, limit: '200' });
    if (r.ok) return render(c, <AuditPage viewer={viewer} filter={filter} entries={r.body.items} />);
    if (expired(r.error)) return signedOut(c, 'Your token no longer works; sign in again.');
    // The API names no field when the workspace filter names no workspace the viewer may see.
    const field = r.error.field ?? (r.error.status === 404 && filter.workspace !== '' ? 'workspace' : undefined);
    return render(
      c,
      <AuditPage viewer={viewer} filter={filter} entries={[]} error={{ message: r.error.message, field }} />,
      statusOf(r.error),
    );
  });

  return app;
}

function ErrorPage(props: { title: string; message: string; viewer?: Viewer }) {
  return (
    <Layout title={props.title} viewer={props.viewer}>
      <h1>{props.title}</h1>
      <p class="error" role="alert">
        {props.message}
      </p>
      <p>
        <a href="/">Back to my workspaces</a>
      </p>
    </Layout>
  );
}
