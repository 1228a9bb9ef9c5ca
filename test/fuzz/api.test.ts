// Fuzzed requests to the HTTP API (docs/api.md#errors): 1,000 generated
// requests per run, with a printed seed (FUZZ_SEED=<seed> reruns the same
// requests), through the app's own request() on the real database and dev
// server. Every request either succeeds or is answered 4xx with the one error
// shape, {error: {code, message, field?}}, whose code matches the status and
// whose message is one line; nothing answers 5xx; and a refused request leaves
// every table as it was (but a token's last use, which authenticating writes).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/api/errors.js';
import { type ApiHarness, startApiHarness } from '../api/harness.js';
import { WRITTEN_BY_AUTHENTICATION } from '../helpers/tables.js';
import {
  dailySchedule,
  daysList,
  durationNumber,
  hostileText,
  instantText,
  longText,
  nameText,
  size,
  weeklySchedule,
  wrongType,
} from './inputs.js';
import { FUZZ_RUNS, fuzzSeed, isOneLine, Outcomes, settle, Tables } from './runner.js';

interface Request {
  token: string | null;
  method: string;
  path: string;
  /** A JSON value to send, or raw text (malformed JSON, another media type). */
  body?: unknown;
  raw?: string;
  contentType?: string;
}

/** A URL carries UTF-8, which has no lone surrogate: those become U+FFFD, as a browser would send them. */
const encode = (text: string) =>
  encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));

/** A header value must be printable: anything else is refused by fetch before it is sent. */
const headerSafe = (text: string) => text.replace(/[^\x20-\x7e]/g, '');

describe('fuzzed requests to the HTTP API', () => {
  let h: ApiHarness;
  let reporter: string;
  const refs = {
    users: ['me', 'alice', 'bob', 'carol'],
    templates: ['dev', 'locked'],
    workspaces: ['alice/run', 'alice/off', 'bob/run', 'alice/locked'],
    deletable: ['alice/tmp', 'bob/tmp'],
    ids: [] as string[],
  };

  beforeAll(async () => {
    h = await startApiHarness();
    const { ops } = h;
    await ops.users.create({ username: 'carol' });
    await ops.templates.create({ name: 'dev', defaultTtl: '8h', activityBump: '1h', autostopRequirementDays: 'all' });
    await ops.templates.create({ name: 'locked', allowUserAutostart: false, allowUserAutostop: false, timeTilDormantAutodelete: '7d' });
    for (const ref of [...refs.workspaces, ...refs.deletable]) {
      const [owner, name] = ref.split('/') as [string, string];
      const started = await ops.workspaces.create({ owner, name, template: name === 'locked' ? 'locked' : 'dev' });
      await ops.waitForBuild(started.jobId, 30_000);
      refs.ids.push(started.workspaceId);
    }
    await ops.waitForBuild((await ops.workspaces.stop('alice/off')).jobId, 30_000);
    reporter = (await ops.tokens.create({ user: 'alice', role: 'reporter', workspace: 'alice/run' })).token;
    await settle(h.db.pool);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('every request succeeds or is answered 4xx with the error shape and a one-line message, and a refused one changes nothing', async () => {
    const known = (list: string[]) => fc.constantFrom(...list);
    const text = hostileText(5000);
    /** A path segment: encoded as a client should, sometimes raw or with a broken escape. */
    const segment = (value: fc.Arbitrary<string>) =>
      fc.oneof(
        { arbitrary: value.map(encode), weight: 16 },
        { arbitrary: value, weight: 1 },
        { arbitrary: value.map((v) => `${encode(v)}%E0%A4%A`), weight: 1 },
      );
    const workspace = segment(
      fc.oneof(
        { arbitrary: known([...refs.workspaces, ...refs.ids]), weight: 6 },
        { arbitrary: fc.tuple(known(refs.users), nameText(300)).map(([u, n]) => `${u}/${n}`), weight: 2 },
        { arbitrary: fc.uuid(), weight: 1 },
        { arbitrary: text, weight: 1 },
      ),
    );
    const template = segment(fc.oneof({ arbitrary: known(refs.templates), weight: 4 }, { arbitrary: nameText(300), weight: 1 }));
    const user = segment(fc.oneof({ arbitrary: known(refs.users), weight: 4 }, { arbitrary: nameText(300), weight: 1 }));
    /** A value of the right type most of the time, else of a wrong one. */
    const typed = <T>(right: fc.Arbitrary<T>) => fc.oneof({ arbitrary: right, weight: 12 }, { arbitrary: wrongType, weight: 1 });
    const ms = typed(
      fc.oneof(fc.constantFrom(0, 60_000, 1_800_000, 3_600_000, 28_800_000, 604_800_000), durationNumber.filter(Number.isFinite)),
    );
    const string = (right: fc.Arbitrary<string>) => typed(fc.oneof({ arbitrary: right, weight: 8 }, { arbitrary: text, weight: 1 }));
    /** An object of some of `fields`, or a body of the wrong shape altogether. */
    const body = (fields: Record<string, fc.Arbitrary<unknown>>, required: string[] = []) =>
      fc.oneof(
        { arbitrary: fc.record(fields, { requiredKeys: required }), weight: 16 },
        { arbitrary: fc.record(fields, { requiredKeys: [] }), weight: 1 },
        {
          arbitrary: fc
            .tuple(fc.record(fields, { requiredKeys: required }), fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }))
            .map(([b, k, v]) => ({ ...b, [k]: v })),
          weight: 1,
        },
        { arbitrary: wrongType, weight: 1 },
      );
    const page = fc
      .record(
        {
          limit: fc.oneof(
            { arbitrary: fc.integer({ min: 1, max: 500 }).map(String), weight: 4 },
            { arbitrary: size.map(String), weight: 1 },
            { arbitrary: text, weight: 1 },
          ),
          cursor: fc.oneof(fc.base64String({ maxLength: 40 }), text),
        },
        { requiredKeys: [] },
      )
      .map((q) => new URLSearchParams(q as Record<string, string>).toString());
    /** Query parameters: each value as text, whatever its generator made. */
    const query = (fields: Record<string, fc.Arbitrary<unknown>>) =>
      fc
        .tuple(fc.record(fields, { requiredKeys: [] }), page)
        .map(([q, p]) =>
          [
            new URLSearchParams(
              Object.entries(q).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
            ).toString(),
            p,
          ]
            .filter((s) => s !== '')
            .join('&'),
        )
        .map((q) => (q === '' ? '' : `?${q}`));
    const policy = {
      defaultTtlMs: ms,
      activityBumpMs: ms,
      allowUserAutostart: typed(fc.boolean()),
      allowUserAutostop: typed(fc.boolean()),
      autostartAllowedDays: typed(daysList),
      failureTtlMs: ms,
      timeTilDormantMs: ms,
      timeTilDormantAutodeleteMs: ms,
      autostopRequirementDays: typed(daysList),
      autostopRequirementWeeks: typed(size),
      autostopNotifyBeforeMs: ms,
      requireActiveVersion: typed(fc.boolean()),
    };
    const W = '/api/v1/workspaces';
    const route = (weight: number, method: string, path: fc.Arbitrary<string>, json?: fc.Arbitrary<unknown>) => ({
      arbitrary: fc.tuple(path, json ?? fc.constant(undefined)).map(([p, b]) => ({ method, path: p, body: b })),
      weight,
    });
    const at = (prefix: string, seg: fc.Arbitrary<string>, suffix = '') => seg.map((s) => `${prefix}/${s}${suffix}`);
    const routes = fc.oneof(
      route(
        2,
        'GET',
        query({
          owner: string(known(refs.users)),
          template: string(known(refs.templates)),
          status: fc.constantFrom('running', 'stopped', 'x'),
          dormant: fc.constantFrom('true', 'false', 'yes'),
        }).map((q) => `${W}${q}`),
      ),
      route(
        4,
        'POST',
        fc.constant(W),
        body(
          {
            owner: string(known(refs.users)),
            template: string(known(refs.templates)),
            name: string(nameText(300)),
            autostartSchedule: typed(fc.oneof(fc.constant(null), weeklySchedule)),
            ttlMs: fc.oneof(fc.constant(null), ms),
            automaticUpdates: string(fc.constantFrom('always', 'never')),
          },
          ['template', 'name'],
        ),
      ),
      route(1, 'GET', at(W, workspace)),
      route(1, 'POST', at(W, workspace, '/builds'), body({ transition: string(fc.constantFrom('start', 'stop')) }, ['transition'])),
      route(1, 'POST', at(W, segment(known(refs.deletable)), '/builds'), fc.constant({ transition: 'delete' })),
      route(
        1,
        'GET',
        fc.tuple(at(W, workspace, '/builds'), page).map(([p, q]) => `${p}?${q}`),
      ),
      route(
        1,
        'GET',
        fc
          .tuple(at(W, workspace, '/builds/'), fc.oneof(size.map(String), text.map(encode)), fc.constantFrom('', '/log'))
          .map((p) => p.join('')),
      ),
      route(1, 'POST', at(W, workspace, '/cancel')),
      route(8, 'PUT', at(W, workspace, '/autostart'), body({ schedule: typed(fc.oneof(fc.constant(null), weeklySchedule)) }, ['schedule'])),
      route(6, 'PUT', at(W, workspace, '/ttl'), body({ ttlMs: fc.oneof(fc.constant(null), ms) }, ['ttlMs'])),
      route(6, 'PUT', at(W, workspace, '/extend'), body({ deadline: string(instantText) }, ['deadline'])),
      route(2, 'PUT', at(W, workspace, '/dormant'), body({ dormant: typed(fc.boolean()) }, ['dormant'])),
      route(
        2,
        'GET',
        fc
          .tuple(at(W, workspace, '/explain'), fc.option(instantText, { nil: undefined }))
          .map(([p, a]) => (a === undefined ? p : `${p}?at=${encode(a)}`)),
      ),
      route(1, 'POST', at(W, workspace, '/reevaluate')),
      route(
        4,
        'POST',
        at(W, workspace, '/activity'),
        body({ source: string(fc.constantFrom('ssh', 'vscode')), observedAt: string(instantText) }, ['source']),
      ),
      route(
        3,
        'POST',
        fc.constant('/api/v1/activity'),
        fc.oneof(
          body(
            {
              reports: typed(
                fc.array(
                  body(
                    {
                      workspace: string(known([...refs.workspaces, ...refs.ids])),
                      source: string(fc.constant('proxy')),
                      observedAt: string(instantText),
                    },
                    ['workspace', 'source'],
                  ),
                  { maxLength: 5 },
                ),
              ),
            },
            ['reports'],
          ),
          fc.nat(1002).map((n) => ({ reports: Array.from({ length: n }, () => ({ workspace: 'alice/run', source: 'proxy' })) })),
        ),
      ),
      route(
        1,
        'GET',
        page.map((q) => `/api/v1/templates?${q}`),
      ),
      route(4, 'POST', fc.constant('/api/v1/templates'), body({ name: string(nameText(300)), ...policy }, ['name'])),
      route(1, 'GET', at('/api/v1/templates', template)),
      route(8, 'PATCH', at('/api/v1/templates', template), body(policy)),
      route(1, 'GET', at('/api/v1/templates', template, '/versions')),
      route(
        2,
        'POST',
        at('/api/v1/templates', template, '/versions'),
        body({ name: string(nameText(300)), activate: typed(fc.boolean()) }, ['name']),
      ),
      route(1, 'PUT', at('/api/v1/templates', template, '/active-version'), body({ version: string(fc.constant('v1')) }, ['version'])),
      route(
        1,
        'GET',
        page.map((q) => `/api/v1/users?${q}`),
      ),
      route(
        3,
        'POST',
        fc.constant('/api/v1/users'),
        body(
          {
            username: string(nameText(300)),
            status: string(fc.constantFrom('active', 'dormant', 'suspended')),
            quietHoursSchedule: typed(fc.oneof(fc.constant(null), dailySchedule)),
          },
          ['username'],
        ),
      ),
      route(1, 'GET', at('/api/v1/users', user)),
      // Only carol may be suspended: a suspended caller's token stops working, and the rest of the run would answer 401.
      route(
        1,
        'PUT',
        at(
          '/api/v1/users',
          segment(
            fc.oneof(
              fc.constant('carol'),
              nameText(300).filter((u) => !['root', 'tess', 'alice', 'bob'].includes(u)),
            ),
          ),
          '/status',
        ),
        body({ status: string(fc.constantFrom('active', 'dormant', 'suspended')) }, ['status']),
      ),
      route(
        4,
        'PUT',
        at('/api/v1/users', user, '/quiet-hours'),
        body({ schedule: typed(fc.oneof(fc.constant(null), dailySchedule)) }, ['schedule']),
      ),
      route(
        1,
        'GET',
        query({ user: string(known(refs.users)) }).map((q) => `/api/v1/tokens${q}`),
      ),
      route(
        3,
        'POST',
        fc.constant('/api/v1/tokens'),
        body(
          {
            user: string(known(refs.users)),
            role: string(fc.constantFrom('member', 'template-admin', 'owner', 'reporter')),
            name: string(fc.constant('laptop')),
            expiresInMs: fc.oneof(fc.constant(null), ms),
            workspace: string(known(refs.workspaces)),
            templates: typed(fc.array(string(known(refs.templates)), { maxLength: 3 })),
          },
          ['role'],
        ),
      ),
      // Random ids only: revoking the callers' own tokens would leave the rest of the run unauthenticated.
      route(
        1,
        'DELETE',
        segment(fc.oneof(fc.stringMatching(/^[a-z0-9]{12}$/), text)).map((id) => `/api/v1/tokens/${id}`),
      ),
      route(
        2,
        'GET',
        query({ workspace: string(known(refs.workspaces)), actor: string(known(refs.users)), since: instantText }).map(
          (q) => `/api/v1/audit${q}`,
        ),
      ),
      route(
        1,
        'GET',
        fc.constantFrom(
          '/healthz',
          '/readyz',
          '/api/v1',
          '/api/v1/',
          '/api/v2/workspaces',
          `${W}/`,
          `${W}//ttl`,
          '/api/v1/workspaces?token=x',
        ),
      ),
      route(
        1,
        'GET',
        fc.array(text.map(encode), { minLength: 1, maxLength: 4 }).map((s) => `/api/v1/${s.join('/')}`),
      ),
    );

    const tokens = fc.oneof(
      { arbitrary: fc.constantFrom(h.tokens.owner, h.tokens.admin, h.tokens.alice, h.tokens.bob, reporter), weight: 12 },
      {
        arbitrary: fc.constantFrom(null, '', 'abk_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', `${h.tokens.alice}x`),
        weight: 1,
      },
      { arbitrary: text.map(headerSafe), weight: 1 },
    );
    const malformed = fc.constantFrom(
      '{"ttlMs": 36',
      '{',
      '[',
      'nul',
      '{"a":1}{"b":2}',
      '\u0000',
      '{"schedule": "\\ud800"}',
      '{"x": 1e999999}',
      '',
    );
    const requests: fc.Arbitrary<Request> = fc
      .tuple(
        routes,
        tokens,
        fc.oneof(
          { arbitrary: fc.constant('as is'), weight: 16 },
          { arbitrary: malformed.map((raw) => ({ raw })), weight: 1 },
          { arbitrary: longText(1_200_000).map((raw) => ({ body: { pad: raw } })), weight: 1 },
          {
            arbitrary: fc.constantFrom('text/plain', 'application/json; charset=utf-8', 'application/jsonx', 'APPLICATION/JSON', ''),
            weight: 1,
          },
        ),
        fc.oneof(
          { arbitrary: fc.constant(null), weight: 20 },
          { arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'PATCH', 'DELETE', 'PUT'), weight: 1 },
        ),
      )
      .map(([r, token, twist, method]) => {
        const req: Request = { token, method: method ?? r.method, path: r.path, body: r.body };
        if (typeof twist === 'string' && twist !== 'as is') req.contentType = twist;
        else if (typeof twist === 'object') Object.assign(req, twist);
        return req;
      });

    const send = async (r: Request) => {
      const headers: Record<string, string> = r.token === null ? {} : { authorization: `Bearer ${r.token}` };
      const init: RequestInit = { method: r.method, headers };
      const hasBody = r.method !== 'GET' && r.method !== 'HEAD';
      if (hasBody && (r.raw !== undefined || r.body !== undefined)) {
        init.body = r.raw ?? JSON.stringify(r.body);
        headers['content-type'] = r.contentType ?? 'application/json';
      }
      const res = await h.app.request(r.path, init);
      return { status: res.status, headers: res.headers, text: await res.text() };
    };

    const seed = fuzzSeed('api');
    const outcomes = new Outcomes('api');
    const tables = new Tables(h.db.pool, WRITTEN_BY_AUTHENTICATION);
    await fc
      .assert(
        fc.asyncProperty(requests, (r) =>
          tables.around(async () => {
            const answer = await send(r);
            const what = `${r.method} ${r.path.slice(0, 300)} answered ${answer.status} ${answer.text.slice(0, 500)}`;
            outcomes.add(String(answer.status));
            expect(answer.status, what).toBeLessThan(500);
            if (answer.status < 400) return tables.changed();
            if (r.method !== 'HEAD') {
              const body = JSON.parse(answer.text);
              expect(Object.keys(body), what).toEqual(['error']);
              const { code, message, field, ...rest } = body.error;
              expect(rest, what).toEqual({});
              expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS], what).toBe(answer.status);
              expect(isOneLine(message), what).toBe(true);
              expect(field === undefined || typeof field === 'string', what).toBe(true);
            }
            if (answer.status === 405) expect(answer.headers.get('allow'), what).toBeTruthy();
            await tables.expectUnchanged(what);
          }),
        ),
        { seed, numRuns: FUZZ_RUNS },
      )
      .finally(() => outcomes.print());
  }, 600_000);
});
