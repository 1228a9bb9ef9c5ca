// The operations module refuses bad input with a typed error and a one-line
// message that says what is wrong, and a refused request changes nothing in
// the database (every table is compared before and after).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ops, OpsError, type OpsErrorCode } from '../../src/ops/index.js';
import { dumpTables, type Harness, startHarness, waitUntil } from '../builds/harness.js';
import { commitBuild } from '../helpers/builds.js';

interface Case {
  rule: string;
  run: (ops: Ops) => Promise<unknown>;
  code: OpsErrorCode;
  message: string | RegExp;
  /** A long input the message must not repeat: the message holds no 100-character run of it and stays short. */
  input?: string;
}

const LONG_DURATION = `${'9'.repeat(400)}d`;
const LONG_SCHEDULE = `0 9 * * ${'1,'.repeat(200)}1`;
const LONG_QUIET_HOURS = `0 ${'1,'.repeat(200)}1 * * *`;

const cases: Case[] = [
  // users
  {
    rule: 'username must be a simple name',
    run: (o) => o.users.create({ username: 'bad name!' }),
    code: 'invalid',
    message: `invalid username "bad name!": use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
  },
  { rule: 'username is unique', run: (o) => o.users.create({ username: 'alice' }), code: 'conflict', message: 'user alice already exists' },
  {
    rule: 'user status is active, suspended or dormant',
    run: (o) => o.users.create({ username: 'x', status: 'gone' as never }),
    code: 'invalid',
    message: 'invalid status "gone": use one of active, suspended, dormant',
  },
  {
    rule: 'quiet hours are a daily schedule (day-of-week *)',
    run: (o) => o.users.create({ username: 'x', quietHoursSchedule: '0 9 * * 1-5' }),
    code: 'invalid',
    message: /^invalid quiet hours schedule: invalid schedule "0 9 \* \* 1-5": /,
  },
  {
    rule: 'quiet hours zone must exist',
    run: (o) => o.users.setQuietHours('alice', 'CRON_TZ=Mars/Olympus 0 0 * * *'),
    code: 'invalid',
    message: /^invalid quiet hours schedule: invalid schedule "CRON_TZ=Mars\/Olympus 0 0 \* \* \*": /,
  },
  {
    rule: 'set status of an unknown user',
    run: (o) => o.users.setStatus('nobody', 'suspended'),
    code: 'not_found',
    message: 'no user nobody',
  },
  {
    rule: 'set status to an unknown status',
    run: (o) => o.users.setStatus('alice', 'asleep' as never),
    code: 'invalid',
    message: 'invalid status "asleep": use one of active, suspended, dormant',
  },

  // templates
  {
    rule: 'template name must be a simple name',
    run: (o) => o.templates.create({ name: '' }),
    code: 'invalid',
    message: 'invalid template name "": use 1 to 64 letters',
  },
  {
    rule: 'a name has at most 64 characters',
    run: (o) => o.templates.create({ name: 'a'.repeat(65) }),
    code: 'invalid',
    message: `invalid template name "${'a'.repeat(65)}": use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
  },
  {
    rule: 'template name is unique',
    run: (o) => o.templates.create({ name: 'dev' }),
    code: 'conflict',
    message: 'template dev already exists',
  },
  {
    rule: 'unknown template option',
    run: (o) => o.templates.create({ name: 'x', ttl: '1h' } as never),
    code: 'invalid',
    message: 'unknown template option "ttl"',
  },
  {
    rule: 'durations must parse',
    run: (o) => o.templates.create({ name: 'x', activityBump: '5 parsecs' }),
    code: 'invalid',
    message: 'invalid activity bump: invalid duration "5 parsecs": use a number with a unit',
  },
  {
    rule: 'durations are ≥ 0',
    run: (o) => o.templates.update('dev', { autostopNotifyBefore: -1 }),
    code: 'invalid',
    message: 'invalid autostop notify before: must not be negative',
  },
  {
    rule: 'default TTL is 0 or between 1m and 30d',
    run: (o) => o.templates.create({ name: 'x', defaultTtl: '31d' }),
    code: 'invalid',
    message: 'invalid default TTL 31d: must be between 1m and 30d',
  },
  {
    rule: 'default TTL is not between 0 and 1m',
    run: (o) => o.templates.update('dev', { defaultTtl: '30s' }),
    code: 'invalid',
    message: 'invalid default TTL 30s: must be between 1m and 30d',
  },
  {
    rule: 'failure TTL is 0 or at least a minute',
    run: (o) => o.templates.update('dev', { failureTtl: '30s' }),
    code: 'invalid',
    message: 'invalid failure TTL 30s: use 0 (off) or at least 1m',
  },
  {
    rule: 'time til dormant is 0 or at least a minute',
    run: (o) => o.templates.update('dev', { timeTilDormant: '59s' }),
    code: 'invalid',
    message: 'invalid time til dormant 59s: use 0 (off) or at least 1m',
  },
  {
    rule: 'autodelete is 0 or at least a minute',
    run: (o) => o.templates.update('dev', { timeTilDormantAutodelete: 1000 }),
    code: 'invalid',
    message: 'invalid time til dormant autodelete 1s: use 0 (off) or at least 1m',
  },
  {
    rule: 'requirement weeks are 1–16 (0)',
    run: (o) => o.templates.update('dev', { autostopRequirementWeeks: 0 }),
    code: 'invalid',
    message: 'invalid autostop requirement weeks 0: use a whole number from 1 to 16',
  },
  {
    rule: 'requirement weeks are 1–16 (17)',
    run: (o) => o.templates.update('dev', { autostopRequirementWeeks: 17 }),
    code: 'invalid',
    message: 'invalid autostop requirement weeks 17: use a whole number from 1 to 16',
  },
  {
    rule: 'requirement weeks are whole',
    run: (o) => o.templates.update('dev', { autostopRequirementWeeks: 1.5 }),
    code: 'invalid',
    message: 'invalid autostop requirement weeks 1.5',
  },
  {
    rule: 'allowed days are days of the week',
    run: (o) => o.templates.update('dev', { autostartAllowedDays: 'mon-funday' }),
    code: 'invalid',
    message: 'invalid autostart allowed days: invalid weekday "mon-funday"',
  },
  {
    rule: 'requirement days are days of the week',
    run: (o) => o.templates.update('dev', { autostopRequirementDays: ['monday', 'someday'] }),
    code: 'invalid',
    message: 'invalid autostop requirement days: invalid weekday "someday"',
  },
  {
    rule: 'switches are booleans',
    run: (o) => o.templates.update('dev', { allowUserAutostart: 'yes' as never }),
    code: 'invalid',
    message: 'invalid allow user autostart "yes": use true or false',
  },
  {
    rule: 'one bad option refuses the whole update',
    run: (o) => o.templates.update('dev', { defaultTtl: '2h', autostopRequirementWeeks: 99 }),
    code: 'invalid',
    message: 'invalid autostop requirement weeks 99',
  },
  {
    rule: 'update an unknown template',
    run: (o) => o.templates.update('nope', { defaultTtl: '1h' }),
    code: 'not_found',
    message: 'no template nope',
  },
  {
    rule: 'version names are unique per template',
    run: (o) => o.templates.createVersion('dev', 'v1'),
    code: 'conflict',
    message: 'template dev already has a version v1',
  },
  {
    rule: 'promote an unknown version',
    run: (o) => o.templates.promoteVersion('dev', 'v9'),
    code: 'not_found',
    message: 'template dev has no version v9',
  },

  // workspaces: create
  {
    rule: 'create for an unknown owner',
    run: (o) => o.workspaces.create({ owner: 'nobody', template: 'dev', name: 'x' }),
    code: 'not_found',
    message: 'no user nobody',
  },
  {
    rule: 'create from an unknown template',
    run: (o) => o.workspaces.create({ owner: 'alice', template: 'nope', name: 'x' }),
    code: 'not_found',
    message: 'no template nope',
  },
  {
    rule: 'workspace name must be a simple name',
    run: (o) => o.workspaces.create({ owner: 'alice', template: 'dev', name: 'a/b' }),
    code: 'invalid',
    message: 'invalid workspace name "a/b"',
  },
  {
    rule: 'workspace names are unique per owner (case-insensitively)',
    run: (o) => o.workspaces.create({ owner: 'alice', template: 'dev', name: 'RUNNING' }),
    code: 'conflict',
    message: 'workspace alice/RUNNING already exists',
  },
  {
    rule: 'autostart schedule must parse (day-of-week 7)',
    run: (o) => o.workspaces.create({ owner: 'alice', template: 'dev', name: 'x', autostartSchedule: '0 9 * * 7' }),
    code: 'invalid',
    message: /^invalid autostart schedule: invalid schedule "0 9 \* \* 7": /,
  },
  {
    rule: 'TTL is at least a minute',
    run: (o) => o.workspaces.create({ owner: 'alice', template: 'dev', name: 'x', ttl: '30s' }),
    code: 'invalid',
    message: 'invalid TTL 30s: must be between 1m and 30d',
  },
  {
    rule: 'TTL is at most 30 days',
    run: (o) => o.workspaces.create({ owner: 'alice', template: 'dev', name: 'x', ttl: '31d' }),
    code: 'invalid',
    message: 'invalid TTL 31d: must be between 1m and 30d',
  },
  {
    rule: 'no TTL when the template forbids user autostop',
    run: (o) => o.workspaces.create({ owner: 'alice', template: 'locked', name: 'x', ttl: '1h' }),
    code: 'refused',
    message: 'template locked does not allow users to set a TTL (its default TTL applies)',
  },
  {
    rule: 'no schedule when the template forbids autostart',
    run: (o) => o.workspaces.create({ owner: 'alice', template: 'locked', name: 'x', autostartSchedule: '0 9 * * *' }),
    code: 'refused',
    message: 'template locked does not allow autostart',
  },
  {
    rule: 'automatic updates is always or never',
    run: (o) => o.workspaces.create({ owner: 'alice', template: 'dev', name: 'x', automaticUpdates: 'sometimes' as never }),
    code: 'invalid',
    message: 'invalid automatic updates "sometimes": use one of always, never',
  },
  {
    rule: 'a suspended user gets no new workspace',
    run: (o) => o.workspaces.create({ owner: 'sam', template: 'dev', name: 'x' }),
    code: 'conflict',
    message: 'user sam is suspended',
  },

  // workspaces: settings
  {
    rule: 'set an invalid schedule',
    run: (o) => o.workspaces.setAutostart('alice/running', 'CRON_TZ=Local 0 9 * * *'),
    code: 'invalid',
    message: /^invalid autostart schedule: invalid schedule "CRON_TZ=Local 0 9 \* \* \*": /,
  },
  {
    rule: 'set a schedule on a template that forbids autostart',
    run: (o) => o.workspaces.setAutostart('alice/locked', '0 9 * * *'),
    code: 'refused',
    message: 'template locked does not allow autostart',
  },
  {
    rule: 'set a TTL out of range',
    run: (o) => o.workspaces.setTtl('alice/running', '0'),
    code: 'invalid',
    message: 'invalid TTL 0: must be between 1m and 30d',
  },
  {
    rule: 'remove the TTL when the template forbids user autostop',
    run: (o) => o.workspaces.setTtl('alice/locked', null),
    code: 'refused',
    message: 'template locked does not allow users to set a TTL',
  },
  {
    rule: 'extend by less than 30 minutes',
    run: (o) => o.workspaces.extend('alice/running', '10m'),
    code: 'refused',
    message: 'invalid extension 10m: the new deadline must be at least 30m from now',
  },
  {
    rule: 'extend past the max deadline',
    run: (o) => o.workspaces.extend('bob/strict', '8d'),
    code: 'refused',
    message: /^cannot extend bob\/strict to .*: past its max deadline .* \(the template's autostop requirement\)$/,
  },
  {
    rule: 'extend a stopped workspace',
    run: (o) => o.workspaces.extend('alice/stopped', '1h'),
    code: 'conflict',
    message: 'workspace alice/stopped is not running (stopped), so it has no deadline to extend',
  },
  {
    rule: 'extend a workspace without a deadline',
    run: (o) => o.workspaces.extend('alice/nottl', '1h'),
    code: 'conflict',
    message: 'workspace alice/nottl has no deadline to extend (no TTL applies)',
  },
  {
    rule: 'mark dormant twice',
    run: (o) => o.workspaces.setDormant('alice/sleepy', true),
    code: 'conflict',
    message: 'workspace alice/sleepy is already dormant',
  },
  {
    rule: 'clear dormancy of an awake workspace',
    run: (o) => o.workspaces.setDormant('alice/running', false),
    code: 'conflict',
    message: 'workspace alice/running is not dormant',
  },
  {
    rule: 'simulated failure needs a transition',
    run: (o) => o.workspaces.setSimulatedFailure('alice/running', []),
    code: 'invalid',
    message: 'invalid transitions: name at least one of start, stop, delete',
  },

  // workspaces: builds
  {
    rule: 'start while a build is active',
    run: (o) => o.workspaces.start('alice/busy'),
    code: 'conflict',
    message: 'a build is already active for workspace alice/busy (job pending); wait for it or cancel it',
  },
  {
    rule: 'delete while a build is active',
    run: (o) => o.workspaces.delete('alice/busy'),
    code: 'conflict',
    message: 'a build is already active for workspace alice/busy (job pending)',
  },
  {
    rule: 'start a running workspace',
    run: (o) => o.workspaces.start('alice/running'),
    code: 'conflict',
    message: 'workspace alice/running is already running',
  },
  {
    rule: 'stop a stopped workspace',
    run: (o) => o.workspaces.stop('alice/stopped'),
    code: 'conflict',
    message: 'workspace alice/stopped is already stopped',
  },
  {
    rule: 'start as an unknown initiator',
    run: (o) => o.workspaces.stop('alice/running', { initiator: 'ghost' }),
    code: 'not_found',
    message: 'no user ghost',
  },
  {
    rule: 'act on a deleted workspace',
    run: (o) => o.workspaces.start('alice/gone'),
    code: 'conflict',
    message: 'workspace alice/gone is deleted',
  },
  {
    rule: 'act on an unknown workspace',
    run: (o) => o.workspaces.stop('alice/nothing'),
    code: 'not_found',
    message: 'no workspace alice/nothing',
  },
  {
    rule: 'cancel with no active build',
    run: (o) => o.workspaces.cancel('alice/running'),
    code: 'conflict',
    message: 'workspace alice/running has no build to cancel (its latest job is succeeded)',
  },
  {
    rule: 'history limit is 1–10000',
    run: (o) => o.workspaces.history('alice/running', { limit: 0 }),
    code: 'invalid',
    message: 'invalid limit 0: use a whole number from 1 to 10000',
  },
  {
    rule: 'a history call returns at most 10,000 builds',
    run: (o) => o.workspaces.history('alice/running', { limit: 10_001 }),
    code: 'invalid',
    message: 'invalid limit 10001: use a whole number from 1 to 10000',
  },
  { rule: 'wait for an unknown job', run: (o) => o.waitForBuild('not-a-job', 100), code: 'not_found', message: 'no build job not-a-job' },

  // bounds (docs/operations.md#bounds): one mistaken value must not stop the engine
  {
    rule: 'a policy duration is at most 365 days (a dormancy threshold of 2,500,000 days once stopped every tick)',
    run: (o) => o.templates.update('dev', { timeTilDormant: '2500000d' }),
    code: 'invalid',
    message: 'invalid time til dormant 2500000d: at most 365d',
  },
  {
    rule: 'a duration written with hundreds of digits is too long, not Infinity, and the message does not repeat it',
    run: (o) => o.templates.update('dev', { activityBump: LONG_DURATION }),
    code: 'invalid',
    message: `invalid activity bump: invalid duration "${'9'.repeat(40)}…": too long`,
    input: LONG_DURATION,
  },
  {
    rule: 'a duration in milliseconds is a finite whole number',
    run: (o) => o.templates.update('dev', { failureTtl: Number.POSITIVE_INFINITY }),
    code: 'invalid',
    message: 'invalid failure TTL Infinity: milliseconds must be a whole number',
  },
  {
    rule: 'the reminder lead time is at most 365 days',
    run: (o) => o.templates.update('dev', { autostopNotifyBefore: '366d' }),
    code: 'invalid',
    message: 'invalid autostop notify before 366d: at most 365d',
  },
  {
    rule: 'autodelete after at most 365 days',
    run: (o) => o.templates.update('dev', { timeTilDormantAutodelete: 31_622_400_000 }),
    code: 'invalid',
    message: 'invalid time til dormant autodelete 366d: at most 365d',
  },
  {
    rule: 'extend moves the deadline at most 30 days from now',
    run: (o) => o.workspaces.extend('alice/running', '31d'),
    code: 'invalid',
    message: 'invalid extension 31d: at most 30d',
  },
  {
    rule: 'a schedule has at most 256 characters, and the message does not repeat it',
    run: (o) => o.workspaces.setAutostart('alice/stopped', LONG_SCHEDULE),
    code: 'invalid',
    message: 'invalid autostart schedule: a schedule has at most 256 characters (got 409)',
    input: LONG_SCHEDULE,
  },
  {
    rule: 'a quiet hours schedule has at most 256 characters, and the message does not repeat it',
    run: (o) => o.users.setQuietHours('alice', LONG_QUIET_HOURS),
    code: 'invalid',
    message: 'invalid quiet hours schedule: a schedule has at most 256 characters (got 409)',
    input: LONG_QUIET_HOURS,
  },
  {
    rule: "a new user's quiet hours schedule has at most 256 characters",
    run: (o) => o.users.create({ username: 'x', quietHoursSchedule: LONG_QUIET_HOURS }),
    code: 'invalid',
    message: 'invalid quiet hours schedule: a schedule has at most 256 characters (got 409)',
    input: LONG_QUIET_HOURS,
  },
  {
    rule: 'a name must not have the shape of an id, which it could shadow',
    run: (o) => o.users.create({ username: '3f2b6a1e-0c4d-4e5f-8a9b-0c1d2e3f4a5b' }),
    code: 'invalid',
    message: 'invalid username "3f2b6a1e-0c4d-4e5f-8a9b-0c1d2e3f4a5b": a name must not have the shape of an id (a UUID)',
  },
  {
    rule: 'a list page holds at most 500',
    run: (o) => o.users.list({ limit: 501 }),
    code: 'invalid',
    message: 'invalid limit 501: use a whole number from 1 to 500',
  },
  {
    rule: 'a list cursor is one the previous page gave',
    run: (o) => o.workspaces.list({}, { cursor: 'not-a-cursor' }),
    code: 'invalid',
    message: 'invalid cursor: pass back the nextCursor of the previous page',
  },

  // found by test/fuzz/operations.test.ts
  {
    rule: 'a message that quotes the input stays one line: line breaks and control characters are escaped',
    run: (o) => o.workspaces.get('alice/a\nb\r\u001b[31m'),
    code: 'not_found',
    message: 'no workspace alice/a\\nb\\r\\u001b[31m',
  },
  {
    rule: 'explain at a time that is not an instant',
    run: (o) => o.workspaces.explain('alice/running', new Date(Number.NaN)),
    code: 'invalid',
    message: 'invalid time: expected an instant',
  },
  {
    rule: 'an activity observation before the year 1 is not an instant (the database could not store it)',
    run: (o) => o.activity.reportOne({ workspace: 'alice/running', source: 'ssh', observedAt: new Date(-8.64e15) }),
    code: 'invalid',
    message: 'invalid observedAt (report 1): expected an instant',
  },
  {
    rule: 'audit entries since before the year 1: not an instant (the database could not compare it)',
    run: (o) => o.audit.list({ since: new Date(-8.64e15) }),
    code: 'invalid',
    message: 'invalid since: not an instant',
  },
  {
    rule: 'activity observed at an instant, for a workspace that is not there',
    run: (o) => o.activity.reportOne({ workspace: 'alice/nothere', source: 'ssh', observedAt: new Date(Date.now() - 60_000) }),
    code: 'not_found',
    message: 'no workspace alice/nothere',
  },
];

describe('every validation rule refuses bad input with its message and changes nothing', () => {
  let h: Harness;
  let busyJob: string;
  beforeAll(async () => {
    h = await startHarness({ provisioning: { simulatedDurationMs: 0 } });
    const o = h.ops;
    await o.users.create({ username: 'alice' });
    await o.users.create({ username: 'bob', quietHoursSchedule: 'CRON_TZ=Europe/Berlin 0 2 * * *' });
    await o.users.create({ username: 'sam', status: 'suspended' });
    await o.templates.create({ name: 'dev' });
    await o.templates.create({ name: 'locked', allowUserAutostart: false, allowUserAutostop: false, defaultTtl: '3h' });
    await o.templates.create({ name: 'strict', autostopRequirementDays: 'all', defaultTtl: '4h' });
    const made = [
      await o.workspaces.create({ owner: 'alice', template: 'dev', name: 'running', ttl: '1h' }),
      await o.workspaces.create({ owner: 'alice', template: 'dev', name: 'nottl' }),
      await o.workspaces.create({ owner: 'alice', template: 'dev', name: 'stopped' }),
      await o.workspaces.create({ owner: 'alice', template: 'dev', name: 'sleepy' }),
      await o.workspaces.create({ owner: 'alice', template: 'dev', name: 'busy' }),
      await o.workspaces.create({ owner: 'alice', template: 'dev', name: 'gone' }),
      await o.workspaces.create({ owner: 'alice', template: 'locked', name: 'locked' }),
      await o.workspaces.create({ owner: 'bob', template: 'strict', name: 'strict' }),
    ];
    for (const m of made) await o.waitForBuild(m.jobId, 20_000);
    await o.waitForBuild((await o.workspaces.stop('alice/stopped')).jobId, 20_000);
    await o.waitForBuild((await o.workspaces.delete('alice/gone')).jobId, 20_000);
    await o.workspaces.setDormant('alice/sleepy', true);
    // Its notification is delivered after commit by the worker's deliverer: let that finish before comparing tables.
    await waitUntil(
      'the dormancy notification to be delivered',
      async () => (await h.db.pool.query('SELECT count(*)::int AS n FROM notifications WHERE delivered_at IS NULL')).rows[0].n === 0,
    );
    // A build committed and never handed off stays pending: an active build.
    const busy = made[4]!;
    const alice = await o.users.get('alice');
    busyJob = (
      await commitBuild(h.db.pool, {
        workspaceId: busy.workspaceId,
        transition: 'stop',
        reason: 'initiator',
        initiatorId: alice.id,
        workflowId: null,
        createdAt: null,
      })
    ).jobId;
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  for (const c of cases) {
    it(`${c.code}: ${c.rule}`, async () => {
      const before = await dumpTables(h);
      const error = await c.run(h.ops).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OpsError);
      expect((error as OpsError).code).toBe(c.code);
      const message = (error as OpsError).message;
      if (typeof c.message === 'string') expect(message).toContain(c.message);
      else expect(message).toMatch(c.message);
      expect(message).not.toContain('\n');
      if (c.input !== undefined) {
        expect(message).toBe(c.message);
        for (let i = 0; i + 100 <= c.input.length; i++) expect(message).not.toContain(c.input.slice(i, i + 100));
        expect(message.length).toBeLessThan(200);
      }
      expect(await dumpTables(h)).toEqual(before);
    });
  }

  it('a quiet hours schedule is stored in its normal form: trimmed, fields separated by single spaces, on one line', async () => {
    const created = await h.ops.users.create({ username: 'quinn', quietHoursSchedule: '  CRON_TZ=Europe/Berlin \t0  23 * *\n* ' });
    expect(created.quietHoursSchedule).toBe('CRON_TZ=Europe/Berlin 0 23 * * *');
    expect((await h.ops.users.get('quinn')).quietHoursSchedule).toBe('CRON_TZ=Europe/Berlin 0 23 * * *');
    const set = await h.ops.users.setQuietHours('quinn', '\t0   2 *  * *  ');
    expect(set.quietHoursSchedule).toBe('0 2 * * *');
    expect((await h.ops.users.get('quinn')).quietHoursSchedule).toBe('0 2 * * *');
  });

  it('timeout: waiting for a job that does not finish in time says how it stands', async () => {
    await expect(h.ops.waitForBuild(busyJob, 200)).rejects.toThrow(`build job ${busyJob} is still pending after 200ms`);
  });
});
