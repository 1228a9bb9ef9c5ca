// Fuzzed input to the operations module (docs/operations.md#rules-that-hold-everywhere):
// 1,000 generated calls per run, with a printed seed (FUZZ_SEED=<seed> reruns
// the same inputs). Every call either succeeds or is refused with an OpsError
// whose message is one line, and a refused call leaves every table as it was.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ops, OpsError } from '../../src/ops/index.js';
import { type Harness, startHarness } from '../builds/harness.js';
import {
  dailySchedule,
  daysList,
  daysText,
  durationNumber,
  durationText,
  hostileText,
  instant,
  nameText,
  size,
  weeklySchedule,
  wrongType,
} from './inputs.js';
import { FUZZ_RUNS, fuzzSeed, isOneLine, Outcomes, settle, Tables } from './runner.js';

const REFUSALS = ['not_found', 'invalid', 'refused', 'conflict'];
/** PostgreSQL's SQLSTATE for text it cannot store: a NUL character. */
const NUL_IN_TEXT = '22021';

// Every operation a person can ask for, by name, with its arguments as generated.
// biome-ignore lint/suspicious/noExplicitAny: fuzzed arguments are of any type on purpose
type Call = (ops: Ops, ...args: any[]) => Promise<unknown>;
const OPERATIONS = {
  'users.create': (o, input) => o.users.create(input),
  'users.get': (o, ref) => o.users.get(ref),
  'users.setStatus': (o, ref, status) => o.users.setStatus(ref, status),
  'users.setQuietHours': (o, ref, schedule) => o.users.setQuietHours(ref, schedule),
  'users.list': (o, page) => o.users.list(page),
  'templates.create': (o, input) => o.templates.create(input),
  'templates.update': (o, ref, options) => o.templates.update(ref, options),
  'templates.createVersion': (o, ref, name, opts) => o.templates.createVersion(ref, name, opts),
  'templates.promoteVersion': (o, ref, name) => o.templates.promoteVersion(ref, name),
  'templates.versionPage': (o, ref, page) => o.templates.versionPage(ref, page),
  'workspaces.create': (o, input) => o.workspaces.create(input),
  'workspaces.setAutostart': (o, ref, schedule) => o.workspaces.setAutostart(ref, schedule),
  'workspaces.setTtl': (o, ref, ttl) => o.workspaces.setTtl(ref, ttl),
  'workspaces.extend': (o, ref, by) => o.workspaces.extend(ref, by),
  'workspaces.extendTo': (o, ref, at) => o.workspaces.extendTo(ref, at),
  'workspaces.setDormant': (o, ref, dormant) => o.workspaces.setDormant(ref, dormant),
  'workspaces.start': (o, ref) => o.workspaces.start(ref),
  'workspaces.stop': (o, ref) => o.workspaces.stop(ref),
  'workspaces.delete': (o, ref) => o.workspaces.delete(ref),
  'workspaces.cancel': (o, ref) => o.workspaces.cancel(ref),
  'workspaces.get': (o, ref) => o.workspaces.get(ref),
  'workspaces.explain': (o, ref, at) => o.workspaces.explain(ref, at),
  'workspaces.list': (o, filter, page) => o.workspaces.list(filter, page),
  'workspaces.history': (o, ref, opts) => o.workspaces.history(ref, opts),
  'workspaces.builds': (o, ref, page) => o.workspaces.builds(ref, page),
  'workspaces.build': (o, ref, n) => o.workspaces.build(ref, n),
  'workspaces.buildLog': (o, ref, n) => o.workspaces.buildLog(ref, n),
  'workspaces.buildOfJob': (o, id) => o.workspaces.buildOfJob(id),
  'workspaces.setSimulatedFailure': (o, ref, transitions, message) => o.workspaces.setSimulatedFailure(ref, transitions, message),
  'activity.report': (o, reports) => o.activity.report(reports),
  'activity.reportOne': (o, report) => o.activity.reportOne(report),
  'tokens.create': (o, input) => o.tokens.create(input),
  'tokens.get': (o, id) => o.tokens.get(id),
  'tokens.list': (o, filter, page) => o.tokens.list(filter, page),
  'tokens.revoke': (o, id) => o.tokens.revoke(id),
  'tokens.authenticate': (o, bearer) => o.tokens.authenticate(bearer),
  'audit.list': (o, filter, page) => o.audit.list(filter, page),
  tickInstant: (o, at, opts) => o.tickInstant(at, opts),
} satisfies Record<string, Call>;
type Operation = keyof typeof OPERATIONS;

describe('fuzzed input to the operations module', () => {
  let h: Harness;
  const refs = {
    users: ['alice', 'bob', 'sam'],
    templates: ['dev', 'locked', 'dormy'],
    workspaces: [] as string[],
    deletable: [] as string[],
  };

  beforeAll(async () => {
    h = await startHarness({ provisioning: { simulatedDurationMs: 0 } });
    const { ops } = h;
    for (const username of refs.users) await ops.users.create({ username });
    await ops.templates.create({ name: 'dev', defaultTtl: '8h', activityBump: '1h', autostopRequirementDays: 'all' });
    await ops.templates.create({ name: 'locked', allowUserAutostart: false, allowUserAutostop: false });
    await ops.templates.create({ name: 'dormy', timeTilDormant: '7d', timeTilDormantAutodelete: '7d', autostartAllowedDays: 'mon-fri' });
    for (const [owner, name, template] of [
      ['alice', 'run', 'dev'],
      ['alice', 'off', 'dev'],
      ['alice', 'locked', 'locked'],
      ['bob', 'run', 'dormy'],
      ['sam', 'sleepy', 'dormy'],
      ['bob', 'tmp1', 'dev'],
      ['bob', 'tmp2', 'locked'],
    ] as const) {
      const started = await ops.workspaces.create({ owner, template, name });
      await ops.waitForBuild(started.jobId, 30_000);
      // Deleting the others would leave little to change: only these two may go.
      (name.startsWith('tmp') ? refs.deletable : refs.workspaces).push(`${owner}/${name}`, started.workspaceId);
    }
    await ops.waitForBuild((await ops.workspaces.stop('alice/off')).jobId, 30_000);
    await ops.workspaces.setDormant('sam/sleepy', true);
    await ops.users.setStatus('sam', 'suspended');
    await settle(h.db.pool);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('every call succeeds or is refused with an OpsError of one line, and a refused call changes nothing', async () => {
    const known = <T>(list: T[]) => fc.constantFrom(...list);
    const user = fc.oneof({ arbitrary: known(refs.users), weight: 4 }, { arbitrary: nameText(), weight: 1 });
    const template = fc.oneof({ arbitrary: known(refs.templates), weight: 4 }, { arbitrary: nameText(), weight: 1 });
    const workspace = fc.oneof(
      { arbitrary: known(refs.workspaces), weight: 6 },
      { arbitrary: fc.tuple(user, nameText()).map(([u, n]) => `${u}/${n}`), weight: 2 },
      { arbitrary: fc.uuid(), weight: 1 },
      { arbitrary: hostileText(), weight: 1 },
    );
    const duration = fc.oneof(
      { arbitrary: fc.constantFrom('0', '1m', '30m', '1h', '8h', '7d', 0, 60_000, 3_600_000), weight: 3 },
      { arbitrary: durationText, weight: 3 },
      { arbitrary: durationNumber, weight: 3 },
      { arbitrary: wrongType, weight: 1 },
    );
    const days = fc.oneof({ arbitrary: daysText, weight: 3 }, { arbitrary: daysList, weight: 2 }, { arbitrary: wrongType, weight: 1 });
    const bool = fc.oneof({ arbitrary: fc.boolean(), weight: 5 }, { arbitrary: wrongType, weight: 1 });
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
    const cursor = fc.oneof(
      fc.constant(null),
      fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
      hostileText(5000),
    );
    const page = fc.record({ limit: maybe(size), cursor: maybe(cursor) }, { requiredKeys: [] });
    // A few options at a time, so that an update is sometimes entirely valid.
    const options = fc
      .array(
        fc.oneof(
          ...(
            [
              ['defaultTtl', duration],
              ['activityBump', duration],
              ['allowUserAutostart', bool],
              ['allowUserAutostop', bool],
              ['autostartAllowedDays', days],
              ['failureTtl', duration],
              ['timeTilDormant', duration],
              ['timeTilDormantAutodelete', duration],
              ['autostopRequirementDays', days],
              ['autostopRequirementWeeks', fc.oneof(size, wrongType)],
              ['autostopNotifyBefore', duration],
              ['requireActiveVersion', bool],
              ['unknown', fc.jsonValue()],
            ] as const
          ).map(([key, value]) => ({
            arbitrary: fc.tuple(fc.constant(key), value as fc.Arbitrary<unknown>),
            weight: key === 'unknown' ? 1 : 4,
          })),
        ),
        { maxLength: 3 },
      )
      .map((entries) => Object.fromEntries(entries));
    const schedule = fc.oneof({ arbitrary: weeklySchedule, weight: 8 }, { arbitrary: wrongType, weight: 1 });
    const quiet = fc.oneof({ arbitrary: dailySchedule, weight: 8 }, { arbitrary: wrongType, weight: 1 });
    const status = fc.oneof(fc.constantFrom('active', 'suspended', 'dormant', 'Active', 'deleted', 'running'), hostileText(100), wrongType);
    const report = fc.record(
      { workspace, source: fc.oneof(fc.constantFrom('ssh', 'vscode', 'app:jupyter'), hostileText(100), wrongType), observedAt: instant },
      { requiredKeys: ['workspace', 'source'] },
    );
    const transitions = fc.oneof(
      fc.constant(null),
      fc.array(fc.oneof(fc.constantFrom('start', 'stop', 'delete'), hostileText(20)), { maxLength: 4 }),
    );
    const tokenId = fc.oneof(fc.stringMatching(/^[a-z0-9]{12}$/), hostileText(1000), wrongType);

    const call = <K extends Operation>(name: K, weight: number, ...args: fc.Arbitrary<unknown>[]) => ({
      arbitrary: fc.tuple(fc.constant(name), fc.tuple(...args)),
      weight,
    });
    const calls = fc.oneof(
      call(
        'users.create',
        3,
        fc.record(
          { username: nameText(), status: maybe(status), quietHoursSchedule: maybe(fc.oneof(fc.constant(null), quiet)) },
          { requiredKeys: ['username'] },
        ),
      ),
      call('users.get', 1, user),
      call('users.setStatus', 2, user, status),
      call('users.setQuietHours', 4, user, fc.oneof(fc.constant(null), quiet)),
      call('users.list', 1, page),
      call(
        'templates.create',
        4,
        fc.tuple(nameText(), options).map(([name, o]) => ({ name, ...o })),
      ),
      call('templates.update', 8, template, options),
      call('templates.createVersion', 2, template, nameText(), fc.record({ activate: maybe(fc.boolean()) })),
      call('templates.promoteVersion', 1, template, fc.oneof(fc.constant('v1'), nameText())),
      call('templates.versionPage', 1, template, page),
      call(
        'workspaces.create',
        4,
        fc.record(
          {
            owner: user,
            template,
            name: nameText(),
            autostartSchedule: maybe(fc.oneof(fc.constant(null), schedule)),
            ttl: maybe(fc.oneof(fc.constant(null), duration)),
            automaticUpdates: maybe(fc.oneof(fc.constantFrom('always', 'never'), hostileText(50))),
          },
          { requiredKeys: ['owner', 'template', 'name'] },
        ),
      ),
      call('workspaces.setAutostart', 8, workspace, fc.oneof(fc.constant(null), schedule)),
      call('workspaces.setTtl', 6, workspace, fc.oneof(fc.constant(null), duration)),
      call('workspaces.extend', 6, workspace, duration),
      call('workspaces.extendTo', 3, workspace, instant),
      call('workspaces.setDormant', 2, workspace, fc.boolean()),
      call('workspaces.start', 1, workspace),
      call('workspaces.stop', 1, workspace),
      call(
        'workspaces.delete',
        1,
        fc.oneof(
          known(refs.deletable),
          workspace.filter((w) => !refs.workspaces.includes(w)),
        ),
      ),
      call('workspaces.cancel', 1, workspace),
      call('workspaces.get', 1, workspace),
      call('workspaces.explain', 2, workspace, maybe(instant)),
      call(
        'workspaces.list',
        2,
        fc.record({ owner: maybe(user), template: maybe(template), status: maybe(status), dormant: maybe(bool) }),
        page,
      ),
      call('workspaces.history', 1, workspace, fc.record({ limit: maybe(size) })),
      call('workspaces.builds', 1, workspace, page),
      call('workspaces.build', 1, workspace, size),
      call('workspaces.buildLog', 1, workspace, size),
      call('workspaces.buildOfJob', 1, fc.oneof(fc.uuid(), hostileText(1000))),
      call('workspaces.setSimulatedFailure', 1, workspace, transitions, maybe(hostileText(1000))),
      call(
        'activity.report',
        4,
        fc.oneof(
          { arbitrary: fc.array(report, { maxLength: 5 }), weight: 8 },
          { arbitrary: fc.nat(1002).map((n) => Array.from({ length: n }, () => ({ workspace: 'alice/run', source: 'ssh' }))), weight: 1 },
        ),
      ),
      call('activity.reportOne', 2, report),
      call(
        'tokens.create',
        3,
        fc.record(
          {
            user,
            role: fc.oneof(fc.constantFrom('member', 'template-admin', 'owner', 'reporter'), hostileText(50)),
            name: maybe(fc.oneof(fc.constant(null), hostileText(200))),
            expiresInMs: maybe(fc.oneof(fc.constant(null), durationNumber)),
            workspace: maybe(workspace),
            templates: maybe(fc.array(template, { maxLength: 3 })),
          },
          { requiredKeys: ['user', 'role'] },
        ),
      ),
      call('tokens.get', 1, tokenId),
      call('tokens.list', 1, fc.record({ user: maybe(user) }), page),
      call('tokens.revoke', 1, tokenId),
      call(
        'tokens.authenticate',
        1,
        fc.oneof(
          fc.tuple(fc.stringMatching(/^[a-z0-9]{12}$/), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)).map(([i, s]) => `abk_${i}_${s}`),
          hostileText(1000),
        ),
      ),
      call('audit.list', 1, fc.record({ workspace: maybe(workspace), actor: maybe(hostileText(100)), since: maybe(instant) }), page),
      call('tickInstant', 1, instant, fc.record({ allowFuture: maybe(fc.boolean()) })),
    );

    const seed = fuzzSeed('operations');
    const outcomes = new Outcomes('operations');
    const tables = new Tables(h.db.pool);
    await fc
      .assert(
        fc.asyncProperty(calls, ([name, args]) =>
          tables.around(async () => {
            let refusal: unknown;
            try {
              await (OPERATIONS[name] as Call)(h.ops, ...args);
            } catch (err) {
              refusal = err;
            }
            if (refusal === undefined) {
              outcomes.add('succeeded');
              return tables.changed();
            }
            const what = refusal instanceof Error ? `${refusal.name}: ${refusal.message}` : String(refusal);
            const { code, message } = refusal as { code?: string; message: string };
            outcomes.add(`refused ${code}`);
            if (code === NUL_IN_TEXT && JSON.stringify(args).includes('\\u0000')) {
              // PostgreSQL refuses to store a NUL character; the API answers it 400 (docs/api.md#errors), and a command line cannot carry one.
            } else {
              expect(refusal, what).toBeInstanceOf(OpsError);
              expect(REFUSALS, what).toContain(code);
            }
            expect(isOneLine(message), what).toBe(true);
            await tables.expectUnchanged(what);
          }),
        ),
        { seed, numRuns: FUZZ_RUNS },
      )
      .finally(() => outcomes.print());
  }, 600_000);
});
