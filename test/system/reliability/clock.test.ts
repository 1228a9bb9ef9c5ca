// Case 4 of issue 23 (docs/reliability.md), clock trouble: the worker process
// (`node dist/main.js`, as `npm start` runs it) with its clock an hour behind,
// then an hour ahead, of the database's, through libfaketime
// (scripts/faketime.mjs) preloaded into it alone. PostgreSQL and the Temporal
// server keep the true time. Decisions must take the tick's minute and the
// database's clock only: no early autostop, no second build, autostart at its
// minute, deadlines from the database's clock — and neither the outbox's
// retries nor the person's "tick now" may follow the worker's clock.
//
// Only the wall clock is moved (FAKETIME_DONT_FAKE_MONOTONIC=1): a host whose
// clock is wrong still measures intervals right, and Node's timers and the
// Temporal core's (Rust `Instant`) read the monotonic clock.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type Stack, startStack, type WorkerProcess } from '../../../bench/lib/stack.js';
import { libfaketimePath } from '../../../scripts/faketime.mjs';
import { createPool, type Pool } from '../../../src/db/pool.js';
import { truncateToMinute } from '../../../src/lifecycle/index.js';
import { Ops } from '../../../src/ops/index.js';
import { freePort } from '../../../src/runtime/ports.js';
import { describeTickSchedule, TICK_SCHEDULE_ID } from '../../../src/runtime/schedule.js';
import { startManualTick } from '../../../src/runtime/tick-client.js';
import type { TickStats } from '../../../src/workflows/tick-stats.js';
import { cleanEnv, PROJECT_ROOT } from '../../helpers/processes.js';
import { builds, createTemplate, createUser, createWorkspace, H, MIN, plus } from '../../orchestration/fixtures.js';
import { assertInvariants } from './invariants.js';

const TASK_QUEUE = 'autobuild';
/** The outbox's first retry waits this long: long enough to see whether the deliverer spins meanwhile. */
const RETRY_BACKOFF_MS = 15_000;

interface Skew {
  name: string;
  /** libfaketime's FAKETIME: an offset from the true time. */
  faketime: string;
  ms: number;
}

const SKEWS: Skew[] = [
  { name: 'an hour behind', faketime: '-1h', ms: -H },
  { name: 'an hour ahead', faketime: '+1h', ms: H },
];

let libfaketime: string;

beforeAll(() => {
  libfaketime = libfaketimePath({ log: (line) => process.stderr.write(`clock: ${line}\n`) });
});

describe('clock trouble: a worker whose clock is wrong decides by the tick and the database', () => {
  // Both skews at once, each on a database, a namespace (so a Schedule) and a worker of its own.
  it.concurrent.each(SKEWS)(
    'with its clock $name: no early autostop, no second build, autostart at its minute, deadlines and retries by the database clock',
    async (skew) => {
      const s = await startScenario(skew);
      try {
        await s.run();
      } finally {
        await s.stop();
      }
    },
    6 * 60_000,
  );
});

async function startScenario(skew: Skew) {
  const stack: Stack = await startStack({ external: { pgAdminUrl: inject('pgAdminUrl'), temporalAddress: inject('temporalAddress') } });
  const database = `clock_${skew.ms < 0 ? 'behind' : 'ahead'}_${process.pid}`;
  const databaseUrl = await stack.pg.createDatabase(database).catch(async (err) => {
    await stack.stop();
    throw err;
  });
  const pool = createPool(databaseUrl, 4);
  const webhook = await startWebhook();
  const apiPort = await freePort();
  const metricsPort = await freePort();
  const faketimeEnv = { LD_PRELOAD: libfaketime, FAKETIME: skew.faketime, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
  let worker: WorkerProcess | undefined;

  const dbNow = async () => (await pool.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
  const tick = async (at: Date) => (await startManualTick(stack.client, TASK_QUEUE, at)).result();
  const schedule = () => stack.client.schedule.getHandle(TICK_SCHEDULE_ID);
  /** Reads of the outbox table so far (each deliverer round reads it twice). */
  const outboxReads = async () =>
    (
      await pool.query<{ n: string }>(
        `SELECT seq_scan + COALESCE(idx_scan, 0) AS n FROM pg_stat_user_tables WHERE relname = 'notifications'`,
      )
    ).rows[0]!.n;

  async function run(): Promise<void> {
    worker = await stack.startEngineWorker({
      databaseUrl,
      taskQueue: TASK_QUEUE,
      env: {
        ...faketimeEnv,
        AUTOBUILD_API_PORT: String(apiPort),
        AUTOBUILD_METRICS_PORT: String(metricsPort),
        AUTOBUILD_NOTIFY_WEBHOOK_URL: webhook.url,
        AUTOBUILD_NOTIFY_RETRY_BACKOFF: `${RETRY_BACKOFF_MS}ms`,
        // The sweep would cover a deliverer that waits too long: make it rare.
        AUTOBUILD_NOTIFY_INTERVAL: '10m',
      },
    });
    // Manual ticks at chosen minutes first; the Schedule's own ticks come last.
    await schedule().pause('clock test: manual ticks first');

    // The preload took: the worker's own clock (its log lines' time) is off by the skew.
    const logged = workerClock(stack);
    expect(Math.abs(logged.getTime() - (await dbNow()).getTime() - skew.ms), 'the worker clock is skewed').toBeLessThan(5 * MIN);

    const T0 = truncateToMinute(await dbNow());
    const owner = await createUser(pool);
    const template = await createTemplate(pool, { activityBumpMs: H, autostopNotifyBeforeMs: H });
    const running = (deadline: Date) => ({ transition: 'start' as const, createdAt: plus(T0, -2 * H), deadline });
    const stopped = { transition: 'stop' as const, createdAt: plus(T0, -2 * H) };
    const cron = (at: Date) => `CRON_TZ=UTC ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
    const base = { ownerId: owner, template, lastUsedAt: plus(T0, -2 * H) }; // idle: the reminder is not held back
    // Its deadline is 30 minutes after the tick: a worker an hour ahead is past it, the tick is not.
    const keep = await createWorkspace(pool, { ...base, build: running(plus(T0, 30 * MIN)) });
    // Past its deadline by 30 minutes: a worker an hour behind is not yet, the tick is.
    const stop = await createWorkspace(pool, { ...base, build: running(plus(T0, -30 * MIN)) });
    // Autostarts at T0 itself, and 30 minutes later.
    const start = await createWorkspace(pool, {
      ...base,
      autostartSchedule: cron(T0),
      nextStartAt: T0,
      ttlMs: 8 * H,
      build: stopped,
    });
    const later = await createWorkspace(pool, {
      ...base,
      autostartSchedule: cron(plus(T0, 30 * MIN)),
      nextStartAt: plus(T0, 30 * MIN),
      ttlMs: 8 * H,
      build: stopped,
    });

    const before = await dbNow();
    const atT0 = await tick(T0);
    const atT0Again = await tick(T0);
    const next = await tick(plus(T0, MIN));
    await jobsSettled(pool);
    const after = await dbNow();

    expect(atT0.tick).toBe(T0.toISOString());
    expect(atT0.transitions).toEqual({ 'stop/autostop': 1, 'start/autostart': 1 });
    expect(atT0.marked.reminded, 'the autostop reminder of the workspace 30 minutes from its deadline').toBe(1);
    expect(atT0Again.transitions, 'the same minute again builds nothing').toEqual({});
    expect(next.transitions, 'the next minute builds nothing').toEqual({});

    const summary = async (id: string) =>
      (await builds(pool, id)).map((b) => `#${b.buildNumber} ${b.transition}/${b.reason} at ${b.createdAt.toISOString()}`);
    expect(await summary(keep), 'no early autostop').toEqual([`#1 start/initiator at ${plus(T0, -2 * H).toISOString()}`]);
    expect(await summary(later), 'no early autostart').toEqual([`#1 stop/initiator at ${plus(T0, -2 * H).toISOString()}`]);
    expect((await summary(stop)).slice(1), 'stopped once, at the tick').toEqual([`#2 stop/autostop at ${T0.toISOString()}`]);
    expect((await summary(start)).slice(1), 'started once, at its minute').toEqual([`#2 start/autostart at ${T0.toISOString()}`]);

    // The autostart's deadline: its job's completion (the database's clock) plus the TTL.
    const started = await latestBuild(pool, start);
    expect(started.completedAt.getTime(), 'job completed by the database clock').toBeGreaterThanOrEqual(before.getTime());
    expect(started.completedAt.getTime()).toBeLessThanOrEqual(after.getTime());
    expect(started.deadline!.getTime() - started.completedAt.getTime(), 'deadline = completion + TTL').toBe(8 * H);

    // The reminder's first delivery failed; its retry comes after the backoff by the database's clock,
    // and the deliverer waits for it rather than spinning.
    const failed = await webhook.refused(60_000);
    const readsAtFailure = await outboxReads();
    await webhook.taken(failed, 120_000);
    await new Promise((r) => setTimeout(r, 2_000)); // PostgreSQL publishes table statistics within a second
    const reads = Number(await outboxReads()) - Number(readsAtFailure);
    expect(reads, 'reads of the outbox while waiting for the retry').toBeLessThan(50);

    // Activity reported through the skewed process's HTTP API: last use and bump by the database clock.
    const ops = new Ops({ pool, client: stack.client, taskQueue: TASK_QUEUE });
    const { token } = await ops.tokens.create({ user: owner, role: 'member' });
    const beforeReport = await dbNow();
    const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/workspaces/${keep}/activity`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'ssh' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const afterReport = await dbNow();
    const bumped = await latestBuild(pool, keep);
    expect(bumped.lastUsedAt.getTime(), 'last use by the database clock').toBeGreaterThanOrEqual(beforeReport.getTime() - 1000);
    expect(bumped.lastUsedAt.getTime()).toBeLessThanOrEqual(afterReport.getTime());
    expect(bumped.deadline!.getTime() - bumped.lastUsedAt.getTime(), 'bumped to an hour after the activity').toBe(H);

    // A person's `autobuild tick` (no --at) from a machine with the same wrong clock ticks at the database's minute.
    const beforeCli = truncateToMinute(await dbNow());
    const cli = await cliTick(stack, databaseUrl, faketimeEnv);
    const afterCli = truncateToMinute(await dbNow());
    expect([beforeCli.toISOString(), afterCli.toISOString()], 'the CLI ticks at the database clock').toContain(cli.tick);
    expect(cli.transitions).toEqual({});

    // The Schedule's own tick: its minute is the Temporal server's, and it finds nothing due.
    const resumedAt = await dbNow();
    await schedule().unpause('clock test: scheduled ticks');
    const scheduled = await nextScheduledTick(stack, resumedAt);
    await schedule().pause('clock test: done');
    expect(new Date(scheduled.tick).getTime()).toBeGreaterThanOrEqual(truncateToMinute(resumedAt).getTime());
    expect(new Date(scheduled.tick).getTime()).toBeLessThanOrEqual((await dbNow()).getTime());
    expect(scheduled.transitions).toEqual({});

    // The tick duration that the worker reports is the tick's own, in workflow time, not an hour off.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(meanOf(metrics, 'autobuild_tick_duration_seconds'), 'mean tick duration (s)').toBeLessThan(10 * 60);
    // So is the tick lag: from each evaluation's minute to its commit by the database's clock (an hour off before).
    expect(meanOf(metrics, 'autobuild_tick_lag_seconds'), 'mean tick lag (s)').toBeLessThan(10 * 60);

    await assertInvariants({
      pool,
      client: stack.client,
      taskQueue: TASK_QUEUE,
      since: T0,
      ticks: [atT0, atT0Again, next, cli, scheduled],
      expectOnce: [
        { workspaceId: stop, transition: 'stop', reason: 'autostop' },
        { workspaceId: start, transition: 'start', reason: 'autostart' },
      ],
      neverEligible: [keep, later],
      settleMs: 60_000,
    });
    expect(worker.problems().filter((l) => /"level":"error"|\bERROR\b/.test(l))).toEqual([]);
  }

  return {
    run,
    async stop() {
      await schedule()
        .delete()
        .catch(() => {});
      await worker?.stop();
      await pool.end();
      await stack.pg.dropDatabase(database);
      await webhook.close();
      await stack.stop();
    },
  };
}

/** The time of the worker's first log line (its own clock). */
function workerClock(stack: Stack): Date {
  const line = readFileSync(join(stack.dir, 'engine-worker-1.log'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('{') && l.includes('"time"'));
  if (!line) throw new Error('the worker logged no JSON line');
  return new Date(JSON.parse(line).time);
}

async function latestBuild(pool: Pool, workspaceId: string) {
  const { rows } = await pool.query<{ deadline: Date | null; completedAt: Date; lastUsedAt: Date }>(
    `SELECT b.deadline, j.completed_at AS "completedAt", w.last_used_at AS "lastUsedAt"
       FROM workspaces w JOIN workspace_builds b ON b.id = w.latest_build_id JOIN provisioner_jobs j ON j.id = b.job_id
      WHERE w.id = $1`,
    [workspaceId],
  );
  return rows[0]!;
}

async function jobsSettled(pool: Pool): Promise<void> {
  await until('every build job to finish', async () => {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM provisioner_jobs WHERE completed_at IS NULL');
    return rows[0]!.n === 0;
  });
}

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The first tick the Schedule starts for a minute at or after `since`, once it has completed. */
async function nextScheduledTick(stack: Stack, since: Date): Promise<TickStats> {
  let workflowId = '';
  await until(
    'a scheduled tick',
    async () => {
      const status = await describeTickSchedule(stack.client);
      const run = status?.recentActions.find((a) => new Date(a.scheduledAt).getTime() >= truncateToMinute(since).getTime());
      workflowId = run?.workflowId ?? '';
      return run !== undefined;
    },
    150_000,
  );
  return stack.client.workflow.getHandle<() => Promise<TickStats>>(workflowId).result();
}

/** `autobuild tick --json` under the same faketime, against this engine. */
async function cliTick(stack: Stack, databaseUrl: string, faketimeEnv: Record<string, string>): Promise<TickStats> {
  const env = cleanEnv({
    ...faketimeEnv,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    AUTOBUILD_TASK_QUEUE: TASK_QUEUE,
    AUTOBUILD_DATA_DIR: stack.dir,
  });
  const child = spawn(process.execPath, ['bin/autobuild.mjs', 'tick', '--json'], { cwd: PROJECT_ROOT, env });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`autobuild tick exited ${code}: ${err}${out}`);
  return JSON.parse(out) as TickStats;
}

/** sum / count of a Prometheus histogram (0 when it has no observation). */
function meanOf(text: string, name: string): number {
  const read = (suffix: string) => Number(new RegExp(`^${name}_${suffix}(?:\\{\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const count = read('count');
  if (Number.isNaN(count)) throw new Error(`no ${name} in the metrics`);
  return count === 0 ? 0 : read('sum') / count;
}

/** A webhook receiver that refuses each notification's first delivery and takes the next. */
async function startWebhook() {
  const refused: string[] = [];
  const taken = new Set<string>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      const first = !refused.includes(key);
      if (first) refused.push(key);
      else taken.add(key);
      res.writeHead(first ? 503 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    /** The idempotency key of the first notification refused, once one is. */
    async refused(timeoutMs: number): Promise<string> {
      await until('a first delivery', async () => refused.length > 0, timeoutMs);
      return refused[0]!;
    },
    /** Resolves once the notification `key` was delivered again and taken. */
    taken: (key: string, timeoutMs: number) => until(`the retry of notification ${key}`, async () => taken.has(key), timeoutMs),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
