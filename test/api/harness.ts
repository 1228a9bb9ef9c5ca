// The API over the real database and dev server: the app's own request() (no
// socket), a worker that runs builds, and a token for each role.
import { createApp } from '../../src/api/app.js';
import { DEFAULT_QUIET_HOURS_SCHEDULE } from '../../src/lifecycle/index.js';
import { pingDatabase } from '../../src/ops/index.js';
import { type Harness, quietLog, startHarness } from '../builds/harness.js';

export interface ApiHarness extends Harness {
  app: ReturnType<typeof createApp>;
  /** Tokens: owner `root`, template admin `tess`, members `alice` and `bob`. */
  tokens: { owner: string; admin: string; alice: string; bob: string };
  call(token: string | null, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
}

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  body: any;
  headers: Headers;
}

export async function startApiHarness(): Promise<ApiHarness> {
  const h = await startHarness({ provisioning: { simulatedDurationMs: 0 } });
  const app = createApp({
    ops: h.ops,
    log: quietLog,
    defaultQuietHours: DEFAULT_QUIET_HOURS_SCHEDULE,
    version: 'test',
    ready: () => pingDatabase(h.db.pool),
  });
  for (const username of ['root', 'tess', 'alice', 'bob']) await h.ops.users.create({ username });
  const token = async (user: string, role: 'owner' | 'template-admin' | 'member') => (await h.ops.tokens.create({ user, role })).token;
  const tokens = {
    owner: await token('root', 'owner'),
    admin: await token('tess', 'template-admin'),
    alice: await token('alice', 'member'),
    bob: await token('bob', 'member'),
  };
  const call: ApiHarness['call'] = async (tok, method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...(tok === null ? {} : { authorization: `Bearer ${tok}` }), ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await app.request(path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return Object.assign(h, { app, tokens, call });
}

/** `owner/name` as a path segment. */
export const ws = (ref: string) => encodeURIComponent(ref);
