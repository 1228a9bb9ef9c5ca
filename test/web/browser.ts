// A browser without a browser: the dashboard over the API harness's app (no
// socket), with a cookie jar and the Origin header a browser sends with a form.

import { withDashboard } from '../../src/web/serve.js';
import type { ApiHarness } from '../api/harness.js';
import { quietLog } from '../builds/harness.js';

export const ORIGIN = 'http://localhost';
export const SECRET = 'a-test-session-secret-of-at-least-32-characters';

export interface Answer {
  status: number;
  location: string | null;
  text: string;
  setCookies: string[];
}

export class Browser {
  readonly jar = new Map<string, string>();
  private readonly fetch: (req: Request) => Response | Promise<Response>;

  constructor(h: ApiHarness, secret = SECRET) {
    this.fetch = withDashboard(
      h.app,
      { sessionSecret: secret, temporalUi: { url: 'http://localhost:8233', namespace: 'default' } },
      quietLog,
    );
  }

  async request(method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    const h: Record<string, string> = { ...headers };
    if (this.jar.size) h.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (form !== undefined) {
      body = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
      h.origin ??= ORIGIN;
    }
    const res = await this.fetch(new Request(`${ORIGIN}${path}`, { method, headers: h, body, redirect: 'manual' }));
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text(), setCookies };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, form: Record<string, string>, headers?: Record<string, string>) => this.request('POST', path, form, headers);

  /** The hidden form token of a page. */
  static csrfOf(html: string): string {
    const m = /name="csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error('no form token on the page');
    return m[1]!;
  }

  async signIn(token: string): Promise<Answer> {
    const page = await this.get('/signin');
    return this.post('/signin', { csrf: Browser.csrfOf(page.text), token });
  }
}
