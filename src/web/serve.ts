// The API and the dashboard on one port: the dashboard's own paths go to the
// dashboard, everything else (/api/v1, /openapi.json, /healthz, /readyz, and
// the API's 404 and 405 answers) to the API.
import type { Logger } from '../runtime/logger.js';
import type { ApiRequest } from './api-client.js';
import { createDashboard } from './dashboard.js';
import { SessionKey } from './session.js';

/** `/`, `/signin`, `/signout`, `/audit`, `/templates[/<id>]`, `/workspaces/<id>[/<action>]`. */
export const DASHBOARD_PATH = /^\/(signin|signout|audit|templates(\/[^/]+)?|workspaces\/[^/]+(\/[a-z-]+)?)?$/;

export interface WebOptions {
  /** AUTOBUILD_SESSION_SECRET; null = a random key for this process, with a warning. */
  sessionSecret: string | null;
  /** The Temporal UI to link to, and the namespace; url null = no link. */
  temporalUi: { url: string | null; namespace: string };
}

export function withDashboard(
  api: { fetch: (req: Request) => Response | Promise<Response>; request: ApiRequest },
  o: WebOptions,
  log: Logger,
): (req: Request) => Response | Promise<Response> {
  if (o.sessionSecret === null) {
    log.warn(
      'AUTOBUILD_SESSION_SECRET is not set: dashboard sessions use a random key, so they will not survive a restart or be shared with other API processes',
    );
  }
  const dashboard = createDashboard({
    api: (path, init) => api.request(path, init),
    key: o.sessionSecret === null ? SessionKey.random() : new SessionKey(o.sessionSecret),
    temporalUi: o.temporalUi.url === null ? null : { url: o.temporalUi.url, namespace: o.temporalUi.namespace },
    log,
  });
  return (req) => (DASHBOARD_PATH.test(new URL(req.url).pathname) ? dashboard.fetch(req) : api.fetch(req));
}
