// A refused request changes nothing (docs/api.md#errors): every table, dumped
// before and after each refused request, is the same, but for the time a
// token was last used. Nothing else writes meanwhile: this harness runs no
// tick Schedule, and every build has finished before the first request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/lifecycle/index.js';
import { dumpTables, WRITTEN_BY_AUTHENTICATION } from '../helpers/tables.js';
import { type ApiHarness, startApiHarness, ws } from './harness.js';

describe('a refused request changes nothing', () => {
  let h: ApiHarness;
  let reporter: string;
  beforeAll(async () => {
    h = await startApiHarness();
    await h.ops.templates.create({ name: 'dev', defaultTtl: '1h', activityBump: '1h', autostopRequirementDays: 'all' });
    await h.ops.templates.create({ name: 'locked', allowUserAutostart: false, allowUserAutostop: false });
    for (const [name, template] of [
      ['a', 'dev'],
      ['locked', 'locked'],
    ] as const) {
      const started = await h.ops.workspaces.create({ owner: 'alice', template, name });
      await h.ops.waitForBuild(started.jobId, 30_000);
    }
    const stopped = await h.ops.workspaces.create({ owner: 'bob', template: 'dev', name: 'b' });
    await h.ops.waitForBuild(stopped.jobId, 30_000);
    await h.ops.waitForBuild((await h.ops.workspaces.stop('bob/b')).jobId, 30_000);
    reporter = (await h.ops.tokens.create({ user: 'alice', role: 'reporter', workspace: 'alice/a' })).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Every table of the schema, all rows, in a stable order; tokens without their last-used time. */
  const dump = () => dumpTables(h.db.pool, WRITTEN_BY_AUTHENTICATION);

  const a = `/api/v1/workspaces/${ws('alice/a')}`;
  const cases: [string, number, () => [string | null, string, string, unknown?, Record<string, string>?]][] = [
    ['no token', 401, () => [null, 'PUT', `${a}/ttl`, { ttlMs: HOUR }]],
    ['a bad token', 401, () => ['abk_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'PUT', `${a}/ttl`, { ttlMs: HOUR }]],
    ['a token in the URL', 400, () => [null, 'PUT', `${a}/ttl?token=${h.tokens.alice}`, { ttlMs: HOUR }]],
    ['malformed JSON', 400, () => [h.tokens.alice, 'PUT', `${a}/ttl`, '{"ttlMs": 36']],
    ['an unknown field', 400, () => [h.tokens.alice, 'PUT', `${a}/ttl`, { ttlMs: HOUR, extra: 1 }]],
    ['a schedule that does not parse', 400, () => [h.tokens.alice, 'PUT', `${a}/autostart`, { schedule: '61 9 * * *' }]],
    ['a TTL out of bounds', 400, () => [h.tokens.alice, 'PUT', `${a}/ttl`, { ttlMs: 1e12 }]],
    [
      'a template option out of bounds',
      400,
      () => [h.tokens.owner, 'PATCH', '/api/v1/templates/dev', { defaultTtlMs: HOUR, timeTilDormantMs: 1e15 }],
    ],
    ['a body that is not JSON', 415, () => [h.tokens.alice, 'PUT', `${a}/ttl`, 'ttlMs=1', { 'content-type': 'text/plain' }]],
    ['a body over 1 MiB', 413, () => [h.tokens.alice, 'PUT', `${a}/ttl`, { ttlMs: HOUR, pad: 'x'.repeat(1 << 20) }]],
    ['a member changing a template', 403, () => [h.tokens.alice, 'PATCH', '/api/v1/templates/dev', { defaultTtlMs: HOUR }]],
    ['a reporter changing a schedule', 403, () => [reporter, 'PUT', `${a}/autostart`, { schedule: '0 9 * * *' }]],
    ["another member's workspace", 404, () => [h.tokens.alice, 'PUT', `/api/v1/workspaces/${ws('bob/b')}/ttl`, { ttlMs: HOUR }]],
    ['starting a running workspace', 409, () => [h.tokens.alice, 'POST', `${a}/builds`, { transition: 'start' }]],
    [
      'extending a stopped workspace',
      409,
      () => [h.tokens.bob, 'PUT', `/api/v1/workspaces/${ws('bob/b')}/extend`, { deadline: new Date(Date.now() + 2 * HOUR).toISOString() }],
    ],
    ['waking a workspace that is not dormant', 409, () => [h.tokens.alice, 'PUT', `${a}/dormant`, { dormant: false }]],
    ['a name that is taken', 409, () => [h.tokens.alice, 'POST', '/api/v1/workspaces', { template: 'dev', name: 'a' }]],
    [
      'extending past the max deadline',
      422,
      () => [h.tokens.alice, 'PUT', `${a}/extend`, { deadline: new Date(Date.now() + 20 * 24 * HOUR).toISOString() }],
    ],
    [
      'a schedule the template forbids',
      422,
      () => [h.tokens.alice, 'PUT', `/api/v1/workspaces/${ws('alice/locked')}/autostart`, { schedule: '0 9 * * *' }],
    ],
    [
      'a batch whose last report is bad',
      400,
      () => [
        h.tokens.alice,
        'POST',
        '/api/v1/activity',
        {
          reports: [
            { workspace: 'alice/a', source: 'proxy' },
            { workspace: 'alice/a', source: 'proxy', observedAt: new Date(Date.now() + HOUR).toISOString() },
          ],
        },
      ],
    ],
  ];

  it.each(cases)('%s (%i)', async (_, status, request) => {
    // The activity batch would write alice/a if it were not refused: make sure it would be due.
    await h.db.pool.query(`UPDATE workspaces SET last_used_at = now() - interval '1 hour'`);
    const before = await dump();
    const [token, method, path, body, headers] = request();
    const answer = await h.call(token, method, path, body, headers);
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(Object.keys(answer.body)).toEqual(['error']);
    expect(await dump()).toEqual(before);
  });
});
