// Fuzzed command lines for the `autobuild` command (docs/cli.md#exit-codes-and-errors),
// with a printed seed (FUZZ_SEED=<seed> reruns the same lines), run in this
// process through runCli with the environment a user's shell would give it.
// Every line either succeeds (exit 0) or fails with exit 1, one line on
// stderr and nothing on stdout; no stack trace; and a failed command leaves
// every table as it was. A command costs tens of milliseconds (it opens its
// own connections), so `npm test` runs a slice (test/fuzz/cli.test.ts) and
// the system suite the full 1,000 (test/system/reliability/fuzz-cli.test.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { type Harness, startHarness } from '../builds/harness.js';
import { cleanEnv } from '../helpers/processes.js';
import { dailySchedule, daysText, durationText, hostileText, instantText, nameText, size, weeklySchedule } from './inputs.js';
import { fuzzSeed, isOneLine, Outcomes, settle, Tables } from './runner.js';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command line as `bin/autobuild.mjs` would, capturing what it prints. */
async function autobuild(argv: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const capture =
    (append: (text: string) => void) =>
    (chunk: unknown, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture((t) => (stdout += t)));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture((t) => (stderr += t)));
  try {
    return { code: await runCli(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** A command line cannot carry a NUL character: the operating system ends the argument there. */
const arg = (a: fc.Arbitrary<string>) => a.map((s) => s.replaceAll('\0', ''));

/** The fuzz of `autobuild` command lines, `runs` of them. */
export const describeCliFuzz = (runs: number) =>
  describe('fuzzed command lines', () => {
    let h: Harness;
    let dataDir: string;
    let savedEnv: NodeJS.ProcessEnv;
    const refs = { users: ['alice', 'bob'], templates: ['dev', 'locked'], workspaces: [] as string[], deletable: [] as string[] };

    beforeAll(async () => {
      h = await startHarness({ provisioning: { simulatedDurationMs: 0 } });
      dataDir = await mkdtemp(join(tmpdir(), 'autobuild-fuzz-'));
      const { ops } = h;
      for (const username of refs.users) await ops.users.create({ username });
      await ops.templates.create({ name: 'dev', defaultTtl: '8h', activityBump: '1h', autostopRequirementDays: 'all' });
      await ops.templates.create({ name: 'locked', allowUserAutostart: false, allowUserAutostop: false, timeTilDormantAutodelete: '7d' });
      for (const [owner, name, template] of [
        ['alice', 'run', 'dev'],
        ['alice', 'off', 'dev'],
        ['bob', 'locked', 'locked'],
        ['bob', 'tmp', 'dev'],
      ] as const) {
        const started = await ops.workspaces.create({ owner, template, name });
        await ops.waitForBuild(started.jobId, 30_000);
        (name === 'tmp' ? refs.deletable : refs.workspaces).push(`${owner}/${name}`);
      }
      await ops.waitForBuild((await ops.workspaces.stop('alice/off')).jobId, 30_000);
      await settle(h.db.pool);
      // The environment of a user's shell: the service's addresses, no runtime.json to find.
      savedEnv = process.env;
      process.env = cleanEnv({
        DATABASE_URL: h.db.url,
        TEMPORAL_ADDRESS: h.temporal.address,
        AUTOBUILD_TASK_QUEUE: h.taskQueue,
        AUTOBUILD_DATA_DIR: dataDir,
      });
    });
    afterAll(async () => {
      if (savedEnv !== undefined) process.env = savedEnv;
      await h?.close();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    });

    it(`every command line succeeds, or fails with exit 1 and one line on stderr and changes nothing (${runs} lines)`, async () => {
      const text = arg(hostileText(100_000));
      const known = (list: string[]) => fc.constantFrom(...list);
      const user = fc.oneof({ arbitrary: known(refs.users), weight: 4 }, { arbitrary: arg(nameText(100_000)), weight: 1 });
      const template = fc.oneof({ arbitrary: known(refs.templates), weight: 4 }, { arbitrary: arg(nameText(100_000)), weight: 1 });
      const workspace = fc.oneof(
        { arbitrary: known(refs.workspaces), weight: 6 },
        { arbitrary: fc.tuple(user, arg(nameText(1000))).map(([u, n]) => `${u}/${n}`), weight: 2 },
        { arbitrary: text, weight: 1 },
      );
      const duration = fc.oneof(
        { arbitrary: fc.constantFrom('0', '1m', '30m', '1h', '8h', '7d', '31d'), weight: 3 },
        { arbitrary: arg(durationText), weight: 4 },
        { arbitrary: fc.integer().map(String), weight: 1 },
      );
      const positive = fc.oneof(size.map(String), text);
      const bool = fc.oneof(fc.constantFrom('true', 'false', 'TRUE', ' false ', 'yes', '1', ''), text);
      /** An option with its value, or nothing. */
      const flag = (name: string, value: fc.Arbitrary<string>) =>
        fc.option(
          value.map((v) => [name, v]),
          { nil: [], freq: 2 },
        );
      const toggle = (name: string) => fc.constantFrom<string[]>([], [name]);
      const line = (...parts: fc.Arbitrary<string | string[]>[]) => fc.tuple(...parts).map((p) => p.flat());
      const c = (...words: string[]) => fc.constant(words);
      const templateFlags = fc
        .array(
          fc.oneof(
            ...(
              [
                ['--default-ttl', duration],
                ['--activity-bump', duration],
                ['--allow-user-autostart', bool],
                ['--allow-user-autostop', bool],
                ['--autostart-days', arg(daysText)],
                ['--failure-ttl', duration],
                ['--dormancy-threshold', duration],
                ['--dormancy-autodelete', duration],
                ['--autostop-notify-before', duration],
                ['--autostop-requirement-days', arg(daysText)],
                ['--autostop-requirement-weeks', positive],
                ['--require-active-version', bool],
              ] as const
            ).map(([name, value]) => value.map((v) => [name, v])),
          ),
          { maxLength: 3 },
        )
        .map((flags) => flags.flat());

      const commands = fc.oneof(
        { arbitrary: line(c('user', 'create'), arg(nameText(100_000)), flag('--quiet-hours', arg(dailySchedule))), weight: 3 },
        { arbitrary: line(fc.constantFrom(['user', 'suspend'], ['user', 'activate']), user), weight: 1 },
        {
          arbitrary: line(
            c('user', 'quiet-hours'),
            user,
            fc.oneof(
              arg(dailySchedule).map((s) => [s]),
              c('--clear'),
              c(),
              arg(dailySchedule).map((s) => [s, '--clear']),
            ),
          ),
          weight: 4,
        },
        {
          arbitrary: line(
            fc.constantFrom(['user', 'show'], ['template', 'show'], ['template', 'version', 'list']),
            fc.oneof(user, template),
          ),
          weight: 1,
        },
        { arbitrary: fc.constantFrom(['user', 'list'], ['template', 'list'], ['token', 'list'], ['workspace', 'list']), weight: 1 },
        { arbitrary: line(c('template', 'create'), arg(nameText(100_000)), templateFlags), weight: 4 },
        { arbitrary: line(c('template', 'update'), template, templateFlags), weight: 8 },
        { arbitrary: line(c('template', 'version', 'create'), template, arg(nameText(1000)), toggle('--activate')), weight: 2 },
        { arbitrary: line(c('template', 'version', 'promote'), template, fc.oneof(c('v1'), arg(nameText(1000)))), weight: 1 },
        {
          arbitrary: line(
            c('workspace', 'create'),
            fc.tuple(user, arg(nameText(1000))).map(([u, n]) => `${u}/${n}`),
            fc.oneof({ arbitrary: template.map((t) => ['--template', t]), weight: 9 }, { arbitrary: c(), weight: 1 }),
            flag('--autostart', arg(weeklySchedule)),
            flag('--ttl', duration),
            flag('--automatic-updates', fc.oneof(fc.constantFrom('always', 'never'), text)),
            toggle('--no-wait'),
          ),
          weight: 4,
        },
        { arbitrary: line(c('workspace', 'list'), flag('--owner', user), flag('--template', template), toggle('--deleted')), weight: 1 },
        { arbitrary: line(c('workspace', 'show'), workspace), weight: 1 },
        { arbitrary: line(fc.constantFrom(['workspace', 'start'], ['workspace', 'stop']), workspace, toggle('--no-wait')), weight: 1 },
        { arbitrary: line(c('workspace', 'delete'), fc.oneof(known(refs.deletable), text), toggle('--no-wait')), weight: 1 },
        { arbitrary: line(c('workspace', 'schedule', 'set'), workspace, arg(weeklySchedule)), weight: 8 },
        { arbitrary: line(fc.constantFrom(['workspace', 'schedule', 'clear'], ['workspace', 'ttl', 'clear']), workspace), weight: 1 },
        { arbitrary: line(fc.constantFrom(['workspace', 'ttl', 'set'], ['workspace', 'extend']), workspace, duration), weight: 8 },
        { arbitrary: line(c('workspace', 'activity'), workspace, flag('--source', fc.oneof(fc.constant('ssh'), text))), weight: 2 },
        {
          arbitrary: line(fc.constantFrom(['workspace', 'dormant'], ['workspace', 'wake'], ['workspace', 'cancel']), workspace),
          weight: 2,
        },
        { arbitrary: line(c('explain'), workspace, flag('--at', arg(instantText))), weight: 2 },
        { arbitrary: line(c('history'), workspace, flag('--limit', positive), flag('--log', positive)), weight: 2 },
        {
          arbitrary: line(
            c('token', 'create'),
            user,
            fc.oneof(
              { arbitrary: fc.constantFrom('member', 'template-admin', 'owner', 'reporter').map((r) => ['--role', r]), weight: 5 },
              { arbitrary: text.map((r) => ['--role', r]), weight: 1 },
              { arbitrary: c(), weight: 1 },
            ),
            flag('--name', text),
            flag('--expires-in', fc.oneof(duration, fc.constant('never'))),
            flag('--workspace', workspace),
            flag('--template', template),
          ),
          weight: 3,
        },
        { arbitrary: line(c('token', 'revoke'), fc.oneof(fc.stringMatching(/^[a-z0-9]{12}$/), text)), weight: 1 },
        {
          arbitrary: line(
            c('audit'),
            flag('--workspace', workspace),
            flag('--actor', text),
            flag('--since', arg(instantText)),
            flag('--limit', positive),
          ),
          weight: 2,
        },
        { arbitrary: line(c('tick'), flag('--at', arg(instantText))), weight: 1 },
        { arbitrary: fc.array(text, { maxLength: 4 }), weight: 2 },
      );
      const sometimes = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: a, weight: 1 });
      // The same lines, mangled as people mangle them: a word too many, a word dropped, --json, options out of place.
      const noise = fc.oneof(
        text,
        fc.constantFrom(
          '--json',
          '--nope',
          '-x',
          '--',
          '--worker-timeout',
          '--worker-timeout=1h',
          '--worker-timeout=soon',
          '--version',
          '--help',
          '-',
        ),
      );
      const argv = fc
        .tuple(commands, sometimes(fc.tuple(noise, fc.nat())), sometimes(fc.nat()), fc.boolean())
        .map(([words, extra, drop, json]) => {
          const out = [...words];
          if (drop !== null && out.length > 0) out.splice(drop % out.length, 1);
          if (extra !== null) out.splice(extra[1] % (out.length + 1), 0, extra[0]);
          return json ? [...out, '--json'] : out;
        });

      const seed = fuzzSeed('cli');
      const outcomes = new Outcomes('cli');
      const tables = new Tables(h.db.pool);
      await fc
        .assert(
          fc.asyncProperty(argv, (words) =>
            tables.around(async () => {
              const ran = await autobuild(words);
              const what = `exit ${ran.code}, stderr ${JSON.stringify(ran.stderr.slice(0, 500))}`;
              expect(ran.stderr, what).not.toMatch(/^\s+at /m);
              if (ran.code === 0) {
                outcomes.add('succeeded');
                return tables.changed();
              }
              expect(ran.code, what).toBe(1);
              expect(ran.stdout, what).toBe('');
              if (ran.stderr.startsWith('Usage: autobuild')) {
                // A command group without its command (`autobuild workspace`): commander shows the group's help instead of an error line.
                outcomes.add('usage shown');
              } else {
                outcomes.add('failed');
                expect(ran.stderr, what).toMatch(/^autobuild: .*\n$/s);
                expect(isOneLine(ran.stderr.slice(0, -1)), what).toBe(true);
              }
              await tables.expectUnchanged(what);
            }),
          ),
          { seed, numRuns: runs },
        )
        .finally(() => outcomes.print());
    }, 600_000);
  });
