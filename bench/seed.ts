// The benchmark's data generator: N workspaces with their owners, templates,
// builds and jobs, generated inside PostgreSQL (INSERT … SELECT FROM
// generate_series, one statement per table per batch), and exactly K of them
// due for autostart at the minute T.
//
// Usage: npm run bench:seed -- --workspaces 100000 --due 1000 [--at 2026-01-05T09:00Z]
//          [--database-url URL] [--reset] [--no-verify]
// Without --database-url (or DATABASE_URL) it seeds the database "bench_seed"
// in the benchmark's own embedded PostgreSQL under bench/data/.
//
// Every workspace is consistent with its history and with T, so that a tick at
// T (or at any minute in the hour after it) finds exactly the K due ones:
//   category            share  latest build                         schedule / next_start_at
//   due                 K      stop, succeeded, T-11h..T-1h         fires at T / T
//   stopped, scheduled  60 %   stop, succeeded, T-11h..T-1h         fires > 1 h after T, not in (T-11h, T] / that fire
//   running             20 %   start, succeeded, T-7h..T            half scheduled; 75 % with deadline = +8 h (> T+1h)
//   stopped, no sched.   8 %   stop, succeeded, T-30d..T-1h         none
//   dormant              6 %   stop (dormancy), T-9d..T-1d          dormant, deleting_at in the future, next cleared
//   autostart blocked    3 %   stop, succeeded                      set, template disallows autostart, blocked
//   failed               1.5 % start, failed, T-48h..T-1h           failure_ttl 7 d not reached
//   deleted              1.5 % delete, succeeded                    deleted = true
// The latest-build summary columns of workspaces are written together with the
// builds (the triggers are off for the load and back on afterwards) and
// verifySeed checks them against the builds and jobs.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { ALL_WEEKDAYS, nextAllowedAutostart, parseWeeklySchedule } from '../src/lifecycle/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface SeedOptions {
  /** N: workspaces to create. */
  workspaces: number;
  /** K: how many are due for autostart at `at` (0 ≤ K ≤ N/2). */
  due: number;
  /** T: the tick minute (truncated to the minute). */
  at: Date;
  /** Namespace of the generated ids (several seeds can share a cluster, not a database). */
  salt?: string;
  /** Workspaces per statement batch. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  workspaces: number;
  users: number;
  templates: number;
  builds: number;
  jobs: number;
  due: number;
  at: string;
  seconds: number;
  /** Rows per category, for the record. */
  categories: Record<string, number>;
}

export const CATEGORY = {
  due: 0,
  stoppedScheduled: 1,
  running: 2,
  stoppedUnscheduled: 3,
  dormant: 4,
  blocked: 5,
  failed: 6,
  deleted: 7,
} as const;
const CATEGORY_NAMES = Object.keys(CATEGORY) as Array<keyof typeof CATEGORY>;

/**
 * Templates: 0–6 ordinary (4–6 with 90-day dormancy), 7 with a 7-day failure
 * TTL (the failed workspaces), 8 disallows autostart (the blocked ones), 9 has
 * dormancy and autodelete (the dormant ones).
 */
const TEMPLATES = 10;
const VERSIONS_PER_TEMPLATE = 3;

/** Weekly schedules in a few zones, each with its first fire after T. */
export interface ScheduleCatalogue {
  /** Fire more than 1 h after T and never in (T − 11 h, T]. */
  later: Array<{ spec: string; next: Date }>;
  /** Fire exactly at T, and not in (T − 11 h, T). */
  atT: string[];
}

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'America/Los_Angeles', 'Australia/Sydney'];

export function scheduleCatalogue(at: Date): ScheduleCatalogue {
  const later: ScheduleCatalogue['later'] = [];
  const atT: string[] = [];
  const quiet = new Date(at.getTime() - 11 * HOUR);
  for (const zone of ZONES) {
    for (const days of ['*', '1-5']) {
      for (let hour = 0; hour < 24; hour++) {
        for (const minute of [0, 30]) {
          const spec = `CRON_TZ=${zone} ${minute} ${hour} * * ${days}`;
          const schedule = parseWeeklySchedule(spec);
          const next = nextAllowedAutostart(schedule, at, ALL_WEEKDAYS);
          const fromQuiet = nextAllowedAutostart(schedule, quiet, ALL_WEEKDAYS);
          if (next.getTime() - at.getTime() > HOUR && fromQuiet.getTime() === next.getTime()) later.push({ spec, next });
        }
      }
    }
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(
      at,
    );
    const hour = Number(local.find((p) => p.type === 'hour')!.value);
    const minute = Number(local.find((p) => p.type === 'minute')!.value);
    for (const days of ['*', '1-5']) {
      const spec = `CRON_TZ=${zone} ${minute} ${hour} * * ${days}`;
      const schedule = parseWeeklySchedule(spec);
      if (nextAllowedAutostart(schedule, quiet, ALL_WEEKDAYS).getTime() === at.getTime()) atT.push(spec);
    }
  }
  if (later.length === 0 || atT.length === 0) throw new Error(`no usable schedules around ${at.toISOString()}`);
  return { later, atT };
}

/** Truncates all engine tables (the seed needs an empty database). */
export async function resetData(db: pg.Pool | pg.PoolClient): Promise<void> {
  await db.query(`TRUNCATE notifications, workspace_builds, workspaces, provisioner_jobs, template_versions, templates, users CASCADE`);
}

export async function seed(pool: pg.Pool, opts: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const n = opts.workspaces;
  const k = opts.due;
  if (!Number.isInteger(n) || n < 1) throw new Error('workspaces must be a positive integer');
  if (!Number.isInteger(k) || k < 0 || k > Math.floor(n / 2)) throw new Error(`due must be between 0 and ${Math.floor(n / 2)}`);
  const at = new Date(Math.floor(opts.at.getTime() / MINUTE) * MINUTE);
  const salt = opts.salt ?? 'autobuild-bench';
  const batch = opts.batchSize ?? 100_000;
  const users = Math.ceil(n / 2);
  const catalogue = scheduleCatalogue(at);

  const client = await pool.connect();
  let triggersOff: TriggersOff = null;
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM workspaces');
    if (rows[0]!.n > 0) throw new Error('the database already holds workspaces; reset it first (--reset)');
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET maintenance_work_mem = '256MB'`);
    triggersOff = await summaryTriggerOff(client);

    await client.query(`
      CREATE TEMP TABLE IF NOT EXISTS seed_sched (idx int PRIMARY KEY, spec text NOT NULL, next_at timestamptz NOT NULL);
      CREATE TEMP TABLE IF NOT EXISTS seed_due_sched (idx int PRIMARY KEY, spec text NOT NULL);
      TRUNCATE seed_sched, seed_due_sched;`);
    await client.query(
      `INSERT INTO seed_sched SELECT ord - 1, spec, next_at FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS c(spec, next_at, ord)`,
      [catalogue.later.map((c) => c.spec), catalogue.later.map((c) => c.next)],
    );
    await client.query(`INSERT INTO seed_due_sched SELECT ord - 1, spec FROM unnest($1::text[]) WITH ORDINALITY AS c(spec, ord)`, [
      catalogue.atT,
    ]);

    // Templates and their versions (active = the last version).
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO templates (id, name, active_version_id, default_ttl_ms, activity_bump_ms, allow_user_autostart,
                              failure_ttl_ms, time_til_dormant_ms, time_til_dormant_autodelete_ms, created_at, updated_at)
       SELECT md5($1 || ':t:' || t)::uuid, 'bench-template-' || t, md5($1 || ':tv:' || t || ':' || $2)::uuid,
              8 * 3600000, 3600000, t <> 8,
              CASE WHEN t = 7 THEN 7 * 86400000 ELSE 0 END,
              CASE WHEN t BETWEEN 4 AND 6 THEN 90 * 86400000::bigint WHEN t = 9 THEN 30 * 86400000::bigint ELSE 0 END,
              CASE WHEN t = 9 THEN 30 * 86400000::bigint ELSE 0 END,
              $3::timestamptz - interval '400 days', $3::timestamptz - interval '400 days'
         FROM generate_series(0, $4 - 1) t`,
      [salt, VERSIONS_PER_TEMPLATE, at, TEMPLATES],
    );
    await client.query(
      `INSERT INTO template_versions (id, template_id, name, created_at)
       SELECT md5($1 || ':tv:' || t || ':' || v)::uuid, md5($1 || ':t:' || t)::uuid, 'v' || v,
              $2::timestamptz - interval '400 days' + v * interval '30 days'
         FROM generate_series(0, $3 - 1) t, generate_series(1, $4) v`,
      [salt, at, TEMPLATES, VERSIONS_PER_TEMPLATE],
    );
    await client.query('COMMIT');

    for (let lo = 1; lo <= users; lo += batch) {
      const hi = Math.min(users, lo + batch - 1);
      await client.query(
        `INSERT INTO users (id, username, status, created_at)
         SELECT md5($1 || ':u:' || u)::uuid, 'bench-user-' || u, 'active', $2::timestamptz - interval '400 days'
           FROM generate_series($3::int, $4::int) u`,
        [salt, at, lo, hi],
      );
    }

    await client.query(`CREATE TEMP TABLE IF NOT EXISTS seed_plan (
      i int PRIMARY KEY, id uuid, owner_id uuid, template int, cat smallint, nb int,
      latest_transition text, latest_reason text, failed boolean, latest_created timestamptz, latest_completed timestamptz,
      deadline timestamptz, ttl_ms bigint, schedule text, next_start_at timestamptz, last_used_at timestamptz,
      dormant_at timestamptz, deleting_at timestamptz, blocked text, deleted boolean)`);

    const stride = k > 0 ? Math.floor(n / k) : 0;
    const { rows: schedCount } = await client.query<{ later: number; due: number }>(
      `SELECT (SELECT count(*)::int FROM seed_sched) AS later, (SELECT count(*)::int FROM seed_due_sched) AS due`,
    );
    for (let lo = 1; lo <= n; lo += batch) {
      const hi = Math.min(n, lo + batch - 1);
      await client.query('BEGIN');
      await client.query('TRUNCATE seed_plan');
      // r(k) are independent deterministic draws per workspace.
      await client.query(
        `WITH g AS (
           SELECT i,
                  (hashint8(i::bigint * 16 + 1) & 2147483647) % 1000 AS bucket,
                  (hashint8(i::bigint * 16 + 2) & 2147483647) AS r2,
                  (hashint8(i::bigint * 16 + 3) & 2147483647) AS r3,
                  (hashint8(i::bigint * 16 + 4) & 2147483647) AS r4,
                  (hashint8(i::bigint * 16 + 5) & 2147483647) AS r5
             FROM generate_series($3::int, $4::int) i
         ), c AS (
           SELECT g.*,
                  CASE WHEN $5::int > 0 AND i % $5::int = 0 AND i / $5::int <= $6::int THEN 0
                       WHEN bucket < 600 THEN 1 WHEN bucket < 800 THEN 2 WHEN bucket < 880 THEN 3
                       WHEN bucket < 940 THEN 4 WHEN bucket < 970 THEN 5 WHEN bucket < 985 THEN 6 ELSE 7 END AS cat
             FROM g
         ), t AS (
           SELECT c.*,
                  CASE cat WHEN 5 THEN 8 WHEN 6 THEN 7 WHEN 4 THEN 9 ELSE (r2 % 7)::int END AS template,
                  CASE cat
                    WHEN 0 THEN $2::timestamptz - (60 + r3 % 600) * interval '1 minute'
                    WHEN 1 THEN $2::timestamptz - (60 + r3 % 600) * interval '1 minute'
                    WHEN 2 THEN $2::timestamptz - (r3 % 420) * interval '1 minute'
                    WHEN 3 THEN $2::timestamptz - (60 + r3 % 43140) * interval '1 minute'
                    WHEN 4 THEN $2::timestamptz - (1440 + r3 % 11520) * interval '1 minute'
                    WHEN 5 THEN $2::timestamptz - (60 + r3 % 4260) * interval '1 minute'
                    WHEN 6 THEN $2::timestamptz - (60 + r3 % 2820) * interval '1 minute'
                    ELSE $2::timestamptz - (60 + r3 % 86340) * interval '1 minute' END AS completed
             FROM c
         )
         INSERT INTO seed_plan
         SELECT i, md5($1 || ':w:' || i)::uuid, md5($1 || ':u:' || (1 + (i - 1) % $7::int))::uuid, template, cat,
                CASE WHEN cat = 7 THEN 3 WHEN cat IN (2, 6) THEN 1 + 2 * (r4 % 2)::int ELSE 2 + 2 * (r4 % 2)::int END,
                CASE WHEN cat = 7 THEN 'delete' WHEN cat IN (2, 6) THEN 'start' ELSE 'stop' END,
                CASE cat WHEN 0 THEN 'autostop' WHEN 1 THEN 'autostop' WHEN 4 THEN 'dormancy'
                         WHEN 2 THEN CASE WHEN r5 % 2 = 0 THEN 'autostart' ELSE 'initiator' END
                         ELSE 'initiator' END,
                cat = 6,
                completed - interval '20 seconds',
                completed,
                CASE WHEN cat = 2 AND r5 % 4 <> 3 THEN completed + interval '8 hours' END,
                CASE WHEN cat = 2 AND r5 % 4 = 3 THEN NULL ELSE 8 * 3600000 END,
                CASE WHEN cat = 0 THEN (SELECT spec FROM seed_due_sched WHERE idx = r4 % $9::int)
                     WHEN cat IN (1, 5, 6) OR (cat = 2 AND r5 % 2 = 0) OR (cat = 4 AND r5 % 2 = 0)
                     THEN (SELECT spec FROM seed_sched WHERE idx = r4 % $8::int) END,
                CASE WHEN cat = 0 THEN $2::timestamptz
                     WHEN cat IN (1, 6) OR (cat = 2 AND r5 % 2 = 0) THEN (SELECT next_at FROM seed_sched WHERE idx = r4 % $8::int) END,
                CASE WHEN cat = 2 THEN $2::timestamptz - (r5 % 3600) * interval '1 second'
                     WHEN cat = 4 THEN completed - interval '30 days' - (r5 % 1440) * interval '1 minute'
                     ELSE completed - (r5 % 3600) * interval '1 second' END,
                CASE WHEN cat = 4 THEN completed - interval '1 minute' END,
                CASE WHEN cat = 4 THEN completed - interval '1 minute' + interval '30 days' END,
                CASE WHEN cat = 5 THEN 'template disallows autostart' END,
                cat = 7
           FROM t`,
        [salt, at, lo, hi, stride, k, users, schedCount[0]!.later, schedCount[0]!.due],
      );
      // One row per build; build n of nb alternates start/stop so that the last is the latest transition.
      const builds = `FROM seed_plan p CROSS JOIN LATERAL generate_series(1, p.nb) AS n,
        LATERAL (SELECT n = p.nb AS latest,
                        CASE WHEN n = p.nb THEN p.latest_created
                             ELSE p.latest_created - (p.nb - n) * interval '1 day' - (p.nb - n) * interval '37 minutes' END AS created,
                        CASE WHEN n = p.nb THEN p.latest_transition
                             WHEN p.latest_transition = 'delete' THEN (ARRAY['start', 'stop'])[n]
                             WHEN (p.nb - n) % 2 = 0 THEN p.latest_transition
                             WHEN p.latest_transition = 'start' THEN 'stop' ELSE 'start' END AS transition) b`;
      await client.query(
        `INSERT INTO provisioner_jobs (id, created_at, started_at, completed_at, error)
         SELECT md5($1 || ':j:' || p.i || ':' || n)::uuid, b.created, b.created + interval '1 second',
                CASE WHEN b.latest THEN p.latest_completed ELSE b.created + interval '20 seconds' END,
                CASE WHEN b.latest AND p.failed THEN 'simulated provisioner failure' END
         ${builds}`,
        [salt],
      );
      await client.query(
        `INSERT INTO workspaces (id, owner_id, template_id, name, autostart_schedule, ttl_ms, last_used_at, dormant_at,
                                 deleting_at, next_start_at, autostart_blocked, deleted, created_at,
                                 latest_build_id, latest_build_number, latest_transition, latest_deadline,
                                 latest_job_id, latest_job_status, latest_job_completed_at)
         SELECT p.id, p.owner_id, md5($1 || ':t:' || p.template)::uuid, 'ws-' || p.i, p.schedule, p.ttl_ms, p.last_used_at,
                p.dormant_at, p.deleting_at, p.next_start_at, p.blocked, p.deleted,
                p.latest_created - (p.nb - 1) * interval '1 day' - (p.nb - 1) * interval '37 minutes',
                md5($1 || ':b:' || p.i || ':' || p.nb)::uuid, p.nb, p.latest_transition, p.deadline,
                md5($1 || ':j:' || p.i || ':' || p.nb)::uuid, CASE WHEN p.failed THEN 'failed' ELSE 'succeeded' END,
                p.latest_completed
           FROM seed_plan p`,
        [salt],
      );
      await client.query(
        `INSERT INTO workspace_builds (id, workspace_id, build_number, transition, reason, template_version_id,
                                       initiator_id, job_id, deadline, created_at)
         SELECT md5($1 || ':b:' || p.i || ':' || n)::uuid, p.id, n, b.transition,
                CASE WHEN b.latest THEN p.latest_reason ELSE 'initiator' END,
                md5($1 || ':tv:' || p.template || ':' || CASE WHEN b.latest THEN $2::int ELSE 1 END)::uuid,
                p.owner_id, md5($1 || ':j:' || p.i || ':' || n)::uuid,
                CASE WHEN b.latest THEN p.deadline
                     WHEN b.transition = 'start' THEN b.created + interval '20 seconds' + interval '8 hours' END,
                b.created
         ${builds}`,
        [salt, VERSIONS_PER_TEMPLATE],
      );
      await client.query('COMMIT');
      opts.onProgress?.(hi, n);
    }
    await client.query('DROP TABLE seed_plan, seed_sched, seed_due_sched');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await summaryTriggerOn(client, triggersOff);
    client.release();
  }
  // Statistics and the visibility map, as autovacuum would have them on a live system.
  await pool.query('VACUUM (ANALYZE) users, templates, template_versions, provisioner_jobs, workspaces, workspace_builds');

  const { rows } = await pool.query<{ builds: number; jobs: number }>(
    `SELECT (SELECT count(*)::int FROM workspace_builds) AS builds, (SELECT count(*)::int FROM provisioner_jobs) AS jobs`,
  );
  const categories = await categoryCounts(n, k);
  return {
    workspaces: n,
    users,
    templates: TEMPLATES,
    builds: rows[0]!.builds,
    jobs: rows[0]!.jobs,
    due: k,
    at: at.toISOString(),
    seconds: (performance.now() - started) / 1000,
    categories,
  };

  async function categoryCounts(total: number, dueCount: number): Promise<Record<string, number>> {
    // Recomputed from the same draws as the plan (cheap: no table scan).
    const { rows: counts } = await pool.query<{ cat: number; n: number }>(
      `SELECT CASE WHEN $2::int > 0 AND i % $2::int = 0 AND i / $2::int <= $3::int THEN 0
                   ELSE CASE WHEN b < 600 THEN 1 WHEN b < 800 THEN 2 WHEN b < 880 THEN 3 WHEN b < 940 THEN 4
                             WHEN b < 970 THEN 5 WHEN b < 985 THEN 6 ELSE 7 END END AS cat, count(*)::int AS n
         FROM generate_series(1, $1::int) i, LATERAL (SELECT (hashint8(i::bigint * 16 + 1) & 2147483647) % 1000 AS b) x
        GROUP BY 1`,
      [total, dueCount > 0 ? Math.floor(total / dueCount) : 0, dueCount],
    );
    return Object.fromEntries(CATEGORY_NAMES.map((name) => [name, counts.find((c) => c.cat === CATEGORY[name])?.n ?? 0]));
  }
}

export interface SeedCheck {
  /** Workspaces whose latest_* columns disagree with their highest-numbered build and its job. */
  inconsistentSummaries: number;
  /** Workspaces that a tick at `at` should autostart (by the autostart rule of docs/rules.md#candidate-query, read from the tables). */
  dueAtT: number;
  /** Workspaces whose next autostart falls in the hour after `at` (must be 0: ticks overlapping a rush find only the K). */
  startingWithinHour: number;
  /** Running workspaces whose deadline is not at least one hour after `at`. */
  nearDeadlines: number;
  /** Not-dormant workspaces that would become inactive (dormancy rule) within the hour after `at`. */
  inactiveWithinHour: number;
}

/** Consistency of a seeded database (a full scan: seconds at a million rows). */
export async function verifySeed(pool: pg.Pool, at: Date): Promise<SeedCheck> {
  const { rows } = await pool.query<SeedCheck>(
    `SELECT
       (SELECT count(*)::int FROM workspaces w
          LEFT JOIN LATERAL (SELECT * FROM workspace_builds b WHERE b.workspace_id = w.id ORDER BY build_number DESC LIMIT 1) b ON true
          LEFT JOIN provisioner_jobs j ON j.id = b.job_id
         WHERE w.latest_build_id IS DISTINCT FROM b.id OR w.latest_build_number IS DISTINCT FROM b.build_number
            OR w.latest_transition IS DISTINCT FROM b.transition OR w.latest_deadline IS DISTINCT FROM b.deadline
            OR w.latest_job_id IS DISTINCT FROM b.job_id
            OR w.latest_job_status IS DISTINCT FROM job_status(j.started_at, j.completed_at, j.canceled_at, j.error)
            OR w.latest_job_completed_at IS DISTINCT FROM j.completed_at) AS "inconsistentSummaries",
       (SELECT count(*)::int FROM workspaces w JOIN users u ON u.id = w.owner_id JOIN templates t ON t.id = w.template_id
         WHERE NOT w.deleted AND u.status = 'active' AND w.latest_job_status <> 'failed' AND w.latest_transition = 'stop'
           AND w.dormant_at IS NULL AND w.autostart_schedule IS NOT NULL AND w.autostart_blocked IS NULL
           AND t.allow_user_autostart AND (w.next_start_at IS NULL OR w.next_start_at <= $1)) AS "dueAtT",
       (SELECT count(*)::int FROM workspaces w
         WHERE NOT w.deleted AND w.dormant_at IS NULL AND w.autostart_schedule IS NOT NULL AND w.autostart_blocked IS NULL
           AND w.next_start_at > $1 AND w.next_start_at <= $1::timestamptz + interval '1 hour') AS "startingWithinHour",
       (SELECT count(*)::int FROM workspaces w
         WHERE NOT w.deleted AND w.latest_transition = 'start' AND w.latest_deadline < $1::timestamptz + interval '1 hour')
         AS "nearDeadlines",
       (SELECT count(*)::int FROM workspaces w JOIN templates t ON t.id = w.template_id
         WHERE NOT w.deleted AND w.dormant_at IS NULL AND t.time_til_dormant_ms > 0
           AND w.last_used_at < $1::timestamptz + interval '1 hour' - t.time_til_dormant_ms * interval '1 millisecond')
         AS "inactiveWithinHour"`,
    [at],
  );
  return rows[0]!;
}

/**
 * Makes `count` more stopped, scheduled workspaces due at `at` (their schedule
 * fires at T and next_start_at = T); for a seeded database whose T is `at`.
 */
export async function makeDue(pool: pg.Pool, at: Date, count: number): Promise<number> {
  const spec = scheduleCatalogue(at).atT[0]!;
  const { rowCount } = await pool.query(
    `UPDATE workspaces SET autostart_schedule = $2, next_start_at = $1
      WHERE id IN (SELECT id FROM workspaces
                    WHERE NOT deleted AND dormant_at IS NULL AND autostart_blocked IS NULL AND autostart_schedule IS NOT NULL
                      AND latest_transition = 'stop' AND latest_job_status = 'succeeded' AND next_start_at > $1
                      AND template_id IN (SELECT id FROM templates WHERE allow_user_autostart)
                    ORDER BY id LIMIT $3)`,
    [at, spec, count],
  );
  if (rowCount !== count) throw new Error(`only ${rowCount} of ${count} workspaces could be made due`);
  return rowCount;
}

// ---------------------------------------------------------------------------
// Running workspaces (the activity scenario)

export interface RunningSeedOptions {
  /** N: running workspaces to create. */
  workspaces: number;
  /** T: the seed's minute (truncated); every build completed within 7 h before it. */
  at: Date;
  salt?: string;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RunningSeedResult {
  workspaces: number;
  users: number;
  /** Workspaces with an autostart schedule (half; none fires within an hour of T). */
  scheduled: number;
  /** Ids in seed order (workspace i is ids[i - 1]): what the reporters send. */
  ids: string[];
  at: string;
  seconds: number;
}

/** The activity template's activity bump and default TTL. */
export const ACTIVITY_BUMP_MS = HOUR;
const RUNNING_TTL_MS = 8 * HOUR;

/**
 * N running workspaces of one template (activity bump 1 h, TTL 8 h, no
 * dormancy, no failure TTL), owned two by two: each has one build, a start
 * whose job succeeded 0–7 h before T, with deadline = completion + 8 h; half
 * have a weekly schedule whose next fire is more than an hour after T. So a
 * tick in the hour after T finds no candidate. Generated in PostgreSQL as
 * seed() does, with the latest-build columns written directly.
 */
export async function seedRunning(pool: pg.Pool, opts: RunningSeedOptions): Promise<RunningSeedResult> {
  const started = performance.now();
  const n = opts.workspaces;
  if (!Number.isInteger(n) || n < 1) throw new Error('workspaces must be a positive integer');
  const at = new Date(Math.floor(opts.at.getTime() / MINUTE) * MINUTE);
  const salt = opts.salt ?? 'autobuild-bench-activity';
  const batch = opts.batchSize ?? 100_000;
  const users = Math.ceil(n / 2);
  const later = scheduleCatalogue(at).later;

  const client = await pool.connect();
  let triggersOff: TriggersOff = null;
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM workspaces');
    if (rows[0]!.n > 0) throw new Error('the database already holds workspaces; reset it first');
    await client.query(`SET synchronous_commit = off`);
    triggersOff = await summaryTriggerOff(client);
    await client.query(`CREATE TEMP TABLE IF NOT EXISTS seed_sched (idx int PRIMARY KEY, spec text NOT NULL, next_at timestamptz NOT NULL);
      TRUNCATE seed_sched;`);
    await client.query(
      `INSERT INTO seed_sched SELECT ord - 1, spec, next_at FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS c(spec, next_at, ord)`,
      [later.map((c) => c.spec), later.map((c) => c.next)],
    );
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO templates (id, name, active_version_id, default_ttl_ms, activity_bump_ms, allow_user_autostart, created_at, updated_at)
       VALUES (md5($1 || ':t:activity')::uuid, 'bench-activity', md5($1 || ':tv:activity')::uuid, $3, $4, true,
               $2::timestamptz - interval '400 days', $2::timestamptz - interval '400 days')`,
      [salt, at, RUNNING_TTL_MS, ACTIVITY_BUMP_MS],
    );
    await client.query(
      `INSERT INTO template_versions (id, template_id, name, created_at)
       VALUES (md5($1 || ':tv:activity')::uuid, md5($1 || ':t:activity')::uuid, 'v1', $2::timestamptz - interval '400 days')`,
      [salt, at],
    );
    await client.query('COMMIT');
    for (let lo = 1; lo <= users; lo += batch) {
      const hi = Math.min(users, lo + batch - 1);
      await client.query(
        `INSERT INTO users (id, username, status, created_at)
         SELECT md5($1 || ':u:' || u)::uuid, 'bench-user-' || u, 'active', $2::timestamptz - interval '400 days'
           FROM generate_series($3::int, $4::int) u`,
        [salt, at, lo, hi],
      );
    }
    // One plan per batch, the same in each statement (deterministic draws): $1 salt, $2 T, $3..$4 the range, $5 users.
    const plan = `SELECT i, md5($1 || ':w:' || i)::uuid AS id, md5($1 || ':u:' || (1 + (i - 1) % $5::int))::uuid AS owner_id,
                         md5($1 || ':b:' || i)::uuid AS build_id, md5($1 || ':j:' || i)::uuid AS job_id,
                         $2::timestamptz - ((hashint8(i::bigint * 16 + 3) & 2147483647) % 420) * interval '1 minute' AS completed,
                         (hashint8(i::bigint * 16 + 4) & 2147483647) AS r4,
                         (hashint8(i::bigint * 16 + 5) & 2147483647) AS r5
                    FROM generate_series($3::int, $4::int) i`;
    for (let lo = 1; lo <= n; lo += batch) {
      const hi = Math.min(n, lo + batch - 1);
      const params = [salt, at, lo, hi, users];
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO provisioner_jobs (id, created_at, started_at, completed_at)
         SELECT p.job_id, p.completed - interval '20 seconds', p.completed - interval '19 seconds', p.completed FROM (${plan}) p`,
        params,
      );
      await client.query(
        `INSERT INTO workspaces (id, owner_id, template_id, name, autostart_schedule, ttl_ms, last_used_at, next_start_at, created_at,
                                 latest_build_id, latest_build_number, latest_transition, latest_deadline,
                                 latest_job_id, latest_job_status, latest_job_completed_at)
         SELECT p.id, p.owner_id, md5($1 || ':t:activity')::uuid, 'ws-' || p.i,
                CASE WHEN p.r5 % 2 = 0 THEN s.spec END, ${RUNNING_TTL_MS},
                $2::timestamptz - interval '1 hour' - (p.r5 % 3600) * interval '1 second',
                CASE WHEN p.r5 % 2 = 0 THEN s.next_at END,
                p.completed - interval '30 days',
                p.build_id, 1, 'start', p.completed + ${RUNNING_TTL_MS} * interval '1 millisecond',
                p.job_id, 'succeeded', p.completed
           FROM (${plan}) p JOIN seed_sched s ON s.idx = p.r4 % $6::int`,
        [...params, later.length],
      );
      await client.query(
        `INSERT INTO workspace_builds (id, workspace_id, build_number, transition, reason, template_version_id,
                                       initiator_id, job_id, deadline, created_at)
         SELECT p.build_id, p.id, 1, 'start', 'initiator', md5($1 || ':tv:activity')::uuid, p.owner_id, p.job_id,
                p.completed + ${RUNNING_TTL_MS} * interval '1 millisecond', p.completed - interval '20 seconds'
           FROM (${plan}) p`,
        params,
      );
      await client.query('COMMIT');
      opts.onProgress?.(hi, n);
    }
    await client.query('DROP TABLE seed_sched');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await summaryTriggerOn(client, triggersOff);
    client.release();
  }
  await pool.query('VACUUM (ANALYZE) users, templates, template_versions, provisioner_jobs, workspaces, workspace_builds');
  const { rows } = await pool.query<{ ids: string[]; scheduled: number }>(
    `SELECT array_agg(md5($1 || ':w:' || i)::uuid::text ORDER BY i) AS ids,
            (SELECT count(*)::int FROM workspaces WHERE autostart_schedule IS NOT NULL) AS scheduled
       FROM generate_series(1, $2::int) i`,
    [salt, n],
  );
  return {
    workspaces: n,
    users,
    scheduled: rows[0]!.scheduled,
    ids: rows[0]!.ids,
    at: at.toISOString(),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Deadlines as if every running workspace had been in use for hours, its
 * deadline kept up by activity: each in (from + 0.95 × bump, from + bump], so
 * that its next bump (due once 5 % of the bump has passed, docs/rules.md#activity-bump)
 * comes at an instant spread evenly over the `0.05 × bump` after `from` (3 min
 * for 1 h), and every 3 minutes after that while it is reported. Through the
 * trigger, as a build's deadline always changes; then VACUUM, so the measured
 * window starts without the dead rows this leaves.
 */
export async function spreadActivityDeadlines(pool: pg.Pool, from: Date, bumpMs = ACTIVITY_BUMP_MS): Promise<number> {
  const client = await pool.connect();
  let rowCount: number | null;
  try {
    ({ rowCount } = await client.query(
      `UPDATE workspace_builds b
        SET deadline = $1::timestamptz + ($2::bigint * 95 / 100) * interval '1 millisecond'
                       + ((hashtext(b.id::text) & 2147483647) % ($2::bigint * 5 / 100)) * interval '1 millisecond'
       FROM workspaces w
      WHERE w.latest_build_id = b.id AND NOT w.deleted AND w.latest_transition = 'start' AND b.deadline IS NOT NULL`,
      [from, bumpMs],
    ));
    // A backend reports its table statistics lazily (up to 10 s later when idle): now, so a window opened next does not count them.
    await client.query('SELECT pg_stat_force_next_flush()');
  } finally {
    client.release();
  }
  await pool.query('VACUUM (ANALYZE) workspaces, workspace_builds');
  return rowCount ?? 0;
}

// ---------------------------------------------------------------------------
// Command line

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workspaces: { type: 'string', short: 'n', default: '100000' },
      due: { type: 'string', short: 'k', default: '0' },
      at: { type: 'string' },
      'database-url': { type: 'string' },
      reset: { type: 'boolean', default: false },
      'no-verify': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('npm run bench:seed -- --workspaces N --due K [--at ISO-minute] [--database-url URL] [--reset] [--no-verify]\n');
    return;
  }
  const { createPool } = await import('../src/db/pool.js');
  const { migrate } = await import('../src/db/migrate.js');
  const { startBenchPostgres } = await import('./lib/stack.js');
  const at = values.at ? new Date(values.at) : new Date();
  if (Number.isNaN(at.getTime())) throw new Error(`--at is not a date: ${values.at}`);

  let url = values['database-url'] ?? process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | null = null;
  if (!url) {
    const pgStack = await startBenchPostgres();
    stop = pgStack.stop;
    url = await pgStack.createDatabase('bench_seed', { keep: true });
    process.stderr.write(`seeding the benchmark cluster's database bench_seed (${pgStack.dir})\n`);
  }
  const pool = createPool(url, 2);
  try {
    await migrate(pool);
    if (values.reset) await resetData(pool);
    const progress = process.stderr.isTTY
      ? (done: number, total: number) => process.stderr.write(`\rseeding ${done.toLocaleString()} / ${total.toLocaleString()}`)
      : undefined;
    const result = await seed(pool, { workspaces: Number(values.workspaces), due: Number(values.due), at, onProgress: progress });
    if (progress) process.stderr.write('\n');
    const output: Record<string, unknown> = { ...result };
    if (!values['no-verify']) {
      const t0 = performance.now();
      output.check = await verifySeed(pool, new Date(result.at));
      output.verifySeconds = (performance.now() - t0) / 1000;
    }
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } finally {
    await pool.end();
    if (stop) await stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { runMain } = await import('../src/runtime/run-main.js');
  await runMain(() => main(process.argv.slice(2)), 'bench:seed');
}

type TriggersOff = 'session' | 'table' | null;

/**
 * The latest-build trigger would update each workspace once per build; the
 * seeds write the summary columns directly instead. Session-local when we may.
 */
async function summaryTriggerOff(client: pg.PoolClient): Promise<TriggersOff> {
  try {
    await client.query(`SET session_replication_role = replica`);
    return 'session';
  } catch {
    await client.query(`ALTER TABLE workspace_builds DISABLE TRIGGER workspace_builds_track_latest`);
    return 'table';
  }
}

async function summaryTriggerOn(client: pg.PoolClient, off: TriggersOff): Promise<void> {
  if (off === 'session') await client.query('RESET session_replication_role').catch(() => {});
  if (off === 'table') await client.query(`ALTER TABLE workspace_builds ENABLE TRIGGER workspace_builds_track_latest`).catch(() => {});
}
