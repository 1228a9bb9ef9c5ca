// Retention (docs/operations.md#retention): each kind removes exactly what is
// older than its setting and keeps everything else; the worker's loops remove
// more than a batch, side by side in two workers; `forever` keeps all. The
// settings' parsing is tested in test/runtime/config.test.ts.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RETENTION_BATCH, startRetention, WORKSPACE_BATCH } from '../../src/builds/retention.js';
import { LOCKED, loadSnapshot } from '../../src/db/load-snapshot.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import {
  emptyJobLogs,
  removeAuditEntries,
  removeBuildsOfDeletedWorkspaces,
  removeDeletedWorkspaces,
  removeDeliveredNotifications,
} from '../../src/db/sql/retention.js';
import { DAY } from '../../src/lifecycle/index.js';
import { loadRetentionConfig, type RetentionConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertTemplate, insertUser, insertWorkspace } from '../helpers/rows.js';

let db: TestDatabase;
let userId: string;
let template: { id: string; versionId: string };
beforeAll(async () => {
  db = await createTestDatabase();
  userId = await insertUser(db.pool);
  template = await insertTemplate(db.pool);
});
afterAll(async () => db?.drop());

// Every test starts from empty tables (users and templates stay).
beforeEach(async () => {
  await db.pool.query(
    'TRUNCATE notifications, evaluations, simulated_failures, reminder_actions, api_tokens, audit_log, workspace_builds, provisioner_jobs, workspaces',
  );
});

// --- Rows as the engine leaves them, dated in the past --------------------

const workspace = () => insertWorkspace(db.pool, userId, template.id);

/**
 * The next build of a workspace with its job, finished `finishedDaysAgo` days
 * ago (null: still running, started long ago). The summary trigger makes it the
 * workspace's latest build, as insertBuild does.
 */
async function build(
  workspaceId: string,
  o: { finishedDaysAgo: number | null; transition?: 'start' | 'stop' | 'delete'; log?: string },
): Promise<{ buildId: string; jobId: string }> {
  const days = o.finishedDaysAgo ?? 400;
  const job = await db.pool.query(
    `INSERT INTO provisioner_jobs (created_at, started_at, completed_at, log)
     VALUES (now() - $1 * interval '1 day' - interval '1 minute', now() - $1 * interval '1 day' - interval '1 minute',
             CASE WHEN $2 THEN now() - $1 * interval '1 day' END, $3)
     RETURNING id`,
    [days, o.finishedDaysAgo !== null, o.log ?? 'provisioning…'],
  );
  const jobId: string = job.rows[0].id;
  const b = await db.pool.query(
    `INSERT INTO workspace_builds (workspace_id, build_number, transition, reason, template_version_id, initiator_id, job_id, created_at)
     SELECT $1, coalesce(max(build_number), 0) + 1, $2, 'initiator', $3, $4, $5, now() - $6 * interval '1 day' - interval '1 minute'
       FROM workspace_builds WHERE workspace_id = $1
     RETURNING id`,
    [workspaceId, o.transition ?? 'start', template.versionId, userId, jobId, days],
  );
  return { buildId: b.rows[0].id, jobId };
}

/** A workspace whose delete build succeeded `daysAgo` days ago, after `builds` earlier builds. */
async function deletedWorkspace(daysAgo: number, builds = 2): Promise<string> {
  const ws = await workspace();
  for (let i = 0; i < builds; i++) await build(ws, { finishedDaysAgo: daysAgo + builds - i });
  await build(ws, { finishedDaysAgo: daysAgo, transition: 'delete' });
  await db.pool.query('UPDATE workspaces SET deleted = true WHERE id = $1', [ws]);
  return ws;
}

async function notification(workspaceId: string, o: { createdDaysAgo: number; deliveredDaysAgo: number | null }): Promise<string> {
  const { rows } = await db.pool.query(
    `INSERT INTO notifications (kind, workspace_id, user_id, payload, dedupe_key, created_at, delivered_at)
     VALUES ('workspace_dormant', $1, $2, '{}', gen_random_uuid()::text, now() - $3 * interval '1 day', now() - $4 * interval '1 day')
     RETURNING id`,
    [workspaceId, userId, o.createdDaysAgo, o.deliveredDaysAgo],
  );
  return rows[0].id;
}

async function audit(daysAgo: number, workspaceId: string | null = null): Promise<string> {
  const { rows } = await db.pool.query(
    `INSERT INTO audit_log (actor, action, workspace_id, at) VALUES ('cli:root', 'workspace.ttl', $1, now() - $2 * interval '1 day')
     RETURNING id::text`,
    [workspaceId, daysAgo],
  );
  return rows[0].id;
}

async function ids(table: string, where = 'true'): Promise<string[]> {
  const { rows } = await db.pool.query(`SELECT id::text FROM ${table} WHERE ${where} ORDER BY id::text COLLATE "C"`);
  return rows.map((r) => r.id);
}

const count = async (table: string, where = 'true'): Promise<number> =>
  (await db.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)).rows[0].n;

const sorted = (xs: string[]) => [...xs].sort();

/** Runs the two stages of deleted-workspace retention to the end, as the worker's loop does. */
async function removeAllDeletedWorkspaces(keepMs: number): Promise<void> {
  while ((await removeBuildsOfDeletedWorkspaces(db.pool, keepMs, RETENTION_BATCH)) === RETENTION_BATCH);
  while ((await removeDeletedWorkspaces(db.pool, keepMs, WORKSPACE_BATCH)) === WORKSPACE_BATCH);
}

describe('retention of delivered notifications', () => {
  it('removes those delivered longer ago than the setting; recent ones and undelivered ones stay, however old', async () => {
    const ws = await workspace();
    await notification(ws, { createdDaysAgo: 40, deliveredDaysAgo: 31 }); // goes
    const recent = await notification(ws, { createdDaysAgo: 40, deliveredDaysAgo: 29 });
    const undelivered = await notification(ws, { createdDaysAgo: 400, deliveredDaysAgo: null });
    expect(await removeDeliveredNotifications(db.pool, 30 * DAY, RETENTION_BATCH)).toBe(1);
    expect(await ids('notifications')).toEqual(sorted([recent, undelivered]));
  });

  it('removes at most a batch per statement, oldest first', async () => {
    const ws = await workspace();
    await notification(ws, { createdDaysAgo: 50, deliveredDaysAgo: 50 });
    await notification(ws, { createdDaysAgo: 45, deliveredDaysAgo: 45 });
    const old = await notification(ws, { createdDaysAgo: 40, deliveredDaysAgo: 40 });
    expect(await removeDeliveredNotifications(db.pool, 30 * DAY, 2)).toBe(2);
    expect(await ids('notifications')).toEqual([old]);
  });
});

describe('retention of job logs', () => {
  const log = async (jobId: string) =>
    (await db.pool.query('SELECT log, log_removed_at IS NOT NULL AS removed FROM provisioner_jobs WHERE id = $1', [jobId])).rows[0];

  it("empties the logs of jobs finished longer ago than the setting; recent jobs, running jobs and each workspace's latest job keep theirs", async () => {
    const a = await workspace();
    const aOld = await build(a, { finishedDaysAgo: 40, log: 'a1' });
    const aLatest = await build(a, { finishedDaysAgo: 35, log: 'a2' }); // a stopped workspace: its last build explains it
    const b = await workspace();
    const bOld = await build(b, { finishedDaysAgo: 40, log: 'b1' });
    const bRunning = await build(b, { finishedDaysAgo: null, log: 'b2' }); // started 400 days ago, never finished
    const c = await workspace();
    const cRecent = await build(c, { finishedDaysAgo: 29, log: 'c1' });
    await build(c, { finishedDaysAgo: 1, log: 'c2' });

    const r = await emptyJobLogs(db.pool, 30 * DAY, RETENTION_BATCH, null);
    expect(r).toEqual({ emptied: 2, next: null });
    expect(await log(aOld.jobId)).toEqual({ log: '', removed: true });
    expect(await log(bOld.jobId)).toEqual({ log: '', removed: true });
    expect(await log(aLatest.jobId)).toEqual({ log: 'a2', removed: false });
    expect(await log(bRunning.jobId)).toEqual({ log: 'b2', removed: false });
    expect(await log(cRecent.jobId)).toEqual({ log: 'c1', removed: false });
    expect(await count('provisioner_jobs')).toBe(6); // the jobs and their builds stay
    expect(await count('workspace_builds')).toBe(6);

    // Once a newer build follows it, the old latest job's log goes too.
    await build(a, { finishedDaysAgo: 0, log: 'a3' });
    expect(await emptyJobLogs(db.pool, 30 * DAY, RETENTION_BATCH, null)).toEqual({ emptied: 1, next: null });
    expect(await log(aLatest.jobId)).toEqual({ log: '', removed: true });
  });

  it('walks on past the jobs whose logs stay: each batch looks at new jobs', async () => {
    // Three workspaces whose only job is old (kept: it is their latest), then two old jobs of a fourth.
    for (let i = 0; i < 3; i++) await build(await workspace(), { finishedDaysAgo: 60 + i });
    const d = await workspace();
    const dOld = [await build(d, { finishedDaysAgo: 50 }), await build(d, { finishedDaysAgo: 49 })];
    await build(d, { finishedDaysAgo: 1 });

    const first = await emptyJobLogs(db.pool, 30 * DAY, 3, null);
    expect(first.emptied).toBe(0);
    expect(first.next).not.toBeNull();
    const second = await emptyJobLogs(db.pool, 30 * DAY, 3, first.next);
    expect(second).toEqual({ emptied: 2, next: null });
    expect(await ids('provisioner_jobs', "log = ''")).toEqual(sorted(dOld.map((j) => j.jobId)));
  });
});

describe('retention of deleted workspaces', () => {
  it('removes a workspace deleted longer ago than the setting with all it holds; the audit log keeps its rows', async () => {
    const gone = await deletedWorkspace(100, 3);
    await notification(gone, { createdDaysAgo: 120, deliveredDaysAgo: 120 });
    await db.pool.query(`INSERT INTO evaluations (key, workspace_id, outcome) VALUES ('wf/run/1', $1, '{}')`, [gone]);
    await db.pool.query('INSERT INTO simulated_failures (workspace_id) VALUES ($1)', [gone]);
    await db.pool.query(
      `INSERT INTO reminder_actions (token_hash, workspace_id, action, expires_at) VALUES (sha256('t'), $1, 'extend', now() - interval '100 days')`,
      [gone],
    );
    const auditRow = await audit(150, gone);

    const recent = await deletedWorkspace(80);
    const live = await workspace();
    await build(live, { finishedDaysAgo: 300 });
    await build(live, { finishedDaysAgo: 200, transition: 'stop' });

    await removeAllDeletedWorkspaces(90 * DAY);
    expect(await ids('workspaces')).toEqual(sorted([recent, live]));
    expect(await count('workspace_builds', `workspace_id = '${gone}'`)).toBe(0);
    expect(await count('workspace_builds')).toBe(3 + 2);
    expect(await count('provisioner_jobs')).toBe(3 + 2); // a job goes with its build
    expect(await count('notifications')).toBe(0);
    expect(await count('evaluations')).toBe(0);
    expect(await count('simulated_failures')).toBe(0);
    expect(await count('reminder_actions')).toBe(0);
    expect(await ids('audit_log')).toEqual([auditRow]);
  });

  it('removes the older builds first; the workspace reads the same until it goes with its last build', async () => {
    const ws = await deletedWorkspace(100, 4);
    expect(await removeBuildsOfDeletedWorkspaces(db.pool, 90 * DAY, 2)).toBe(2);
    expect(await removeBuildsOfDeletedWorkspaces(db.pool, 90 * DAY, 2)).toBe(2);
    expect(await removeBuildsOfDeletedWorkspaces(db.pool, 90 * DAY, 2)).toBe(0);
    const loaded = await loadSnapshot(db.pool, ws);
    if (loaded === null || loaded === LOCKED) throw new Error('the deleted workspace no longer loads');
    expect(loaded.deleted).toBe(true);
    expect(loaded.snapshot.latestBuild).toMatchObject({ buildNumber: 5, transition: 'delete' });
    expect(await count('provisioner_jobs')).toBe(1);

    expect(await removeDeletedWorkspaces(db.pool, 90 * DAY, WORKSPACE_BATCH)).toBe(1);
    expect(await loadSnapshot(db.pool, ws)).toBeNull();
    expect(await count('provisioner_jobs')).toBe(0);
  });

  it('keeps the workspace and its last build while a notification of it is undelivered or an API token names it', async () => {
    const waiting = await deletedWorkspace(100);
    const undelivered = await notification(waiting, { createdDaysAgo: 100, deliveredDaysAgo: null });
    const scoped = await deletedWorkspace(100);
    await db.pool.query(
      `INSERT INTO api_tokens (id, user_id, role, secret_hash, scope_workspace_id) VALUES ('reporter0001', $1, 'reporter', sha256('x'), $2)`,
      [userId, scoped],
    );

    await removeAllDeletedWorkspaces(90 * DAY);
    expect(await ids('workspaces')).toEqual(sorted([waiting, scoped]));
    expect(await count('workspace_builds')).toBe(2); // the older builds went; each last one stays
    expect(await ids('notifications')).toEqual([undelivered]);

    // Delivered at last: the workspace goes on the next round, with the notification.
    await db.pool.query('UPDATE notifications SET delivered_at = now() WHERE id = $1', [undelivered]);
    await removeAllDeletedWorkspaces(90 * DAY);
    expect(await ids('workspaces')).toEqual([scoped]);
    expect(await count('notifications')).toBe(0);
  });

  it('never touches a workspace that is not deleted, or a build whose job has not finished', async () => {
    const live = await workspace(); // stopped for 400 days: old, but not deleted
    await build(live, { finishedDaysAgo: 500 });
    await build(live, { finishedDaysAgo: 400, transition: 'stop' });
    // A deleted workspace with an unfinished job cannot come about through the engine; if one did, the job would need its build.
    const runningLast = await deletedWorkspace(100);
    await build(runningLast, { finishedDaysAgo: null });
    const runningEarlier = await workspace();
    await build(runningEarlier, { finishedDaysAgo: 120 });
    const running = await build(runningEarlier, { finishedDaysAgo: null });
    await build(runningEarlier, { finishedDaysAgo: 100, transition: 'delete' });
    await db.pool.query('UPDATE workspaces SET deleted = true WHERE id = $1', [runningEarlier]);

    await removeAllDeletedWorkspaces(90 * DAY);
    expect(await ids('workspaces')).toEqual(sorted([live, runningLast, runningEarlier]));
    expect(await count('workspace_builds', `workspace_id = '${live}'`)).toBe(2);
    expect(await count('workspace_builds', `workspace_id = '${runningLast}'`)).toBe(4);
    // Of the third, only the finished build before the running one went.
    expect(await count('workspace_builds', `workspace_id = '${runningEarlier}'`)).toBe(2);
    expect(await ids('workspace_builds', `workspace_id = '${runningEarlier}'`)).toContain(running.buildId);
    expect(await count('provisioner_jobs', 'completed_at IS NULL')).toBe(2);
  });
});

describe('retention of the audit log', () => {
  it('removes rows older than the setting and keeps newer ones', async () => {
    await audit(366);
    await audit(400);
    const kept = [await audit(364), await audit(0)];
    expect(await removeAuditEntries(db.pool, 365 * DAY, RETENTION_BATCH)).toBe(2);
    expect(await ids('audit_log')).toEqual(sorted(kept));
  });
});

describe("the worker's retention loops", () => {
  let extraPools: Pool[] = [];
  afterEach(async () => {
    await Promise.all(extraPools.map((p) => p.end()));
    extraPools = [];
  });

  /** More of each kind than one batch holds, all of it past the default settings. */
  async function seedBacklog(): Promise<{ live: string }> {
    const live = await workspace();
    await db.pool.query(
      `INSERT INTO notifications (kind, workspace_id, user_id, payload, dedupe_key, created_at, delivered_at)
       SELECT 'autostop_reminder', $1, $2, '{}', 'old-' || i, now() - interval '40 days', now() - interval '40 days'
         FROM generate_series(1, 2500) i`,
      [live, userId],
    );
    await db.pool.query(
      `INSERT INTO audit_log (actor, action, at) SELECT 'cli:root', 'user.create', now() - interval '400 days' FROM generate_series(1, 2500)`,
    );
    // 2,500 finished jobs of one live workspace (the last one is its latest build) ...
    await db.pool.query('ALTER TABLE workspace_builds DISABLE TRIGGER workspace_builds_track_latest');
    await db.pool.query(
      `WITH jobs AS (
         INSERT INTO provisioner_jobs (created_at, started_at, completed_at, log)
         SELECT now() - interval '41 days', now() - interval '41 days', now() - interval '40 days' + i * interval '1 second', 'log ' || i
           FROM generate_series(1, 2500) i
         RETURNING id, completed_at)
       INSERT INTO workspace_builds (workspace_id, build_number, transition, reason, template_version_id, initiator_id, job_id)
       SELECT $1, row_number() OVER (ORDER BY completed_at), 'start', 'initiator', $2, $3, id FROM jobs`,
      [live, template.versionId, userId],
    );
    await db.pool.query('ALTER TABLE workspace_builds ENABLE TRIGGER workspace_builds_track_latest');
    await db.pool.query(
      `UPDATE workspaces w SET latest_build_id = b.id, latest_build_number = b.build_number, latest_transition = 'start',
              latest_job_id = b.job_id, latest_job_status = 'succeeded'
         FROM workspace_builds b WHERE w.id = $1 AND b.workspace_id = w.id AND b.build_number = 2500`,
      [live],
    );
    // ... and 300 workspaces deleted 100 days ago, with 1,200 builds before their delete builds
    // (whose logs are long gone: the job-log loop has nothing of theirs to count).
    for (let i = 0; i < 300; i++) await deletedWorkspace(100, 4);
    await db.pool.query(
      `UPDATE provisioner_jobs j SET log = '', log_removed_at = now() - interval '60 days'
        FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id
       WHERE b.job_id = j.id AND w.deleted AND w.latest_job_id <> j.id`,
    );
    return { live };
  }

  function worker(retention: RetentionConfig) {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', write: (l) => lines.push(l) });
    const pool = createPool(db.url);
    extraPools.push(pool);
    const loops = startRetention({ pool, log, retention });
    const records = () =>
      lines.map((l) => JSON.parse(l) as { msg: string; level: unknown; kind?: string; removed?: Record<string, number> });
    return { loops, records, stop: () => Promise.all(loops.map((l) => l.stop())) };
  }

  it('two workers at once remove more than a batch of each kind, every row once, and log what they removed', async () => {
    const { live } = await seedBacklog();
    const workers = [worker(loadRetentionConfig({})), worker(loadRetentionConfig({}))];
    await vi.waitFor(
      async () => {
        expect(await count('notifications')).toBe(0);
        expect(await count('audit_log')).toBe(0);
        expect(await count('provisioner_jobs', "log <> ''")).toBe(1);
        expect(await ids('workspaces')).toEqual([live]);
      },
      { timeout: 50_000, interval: 200 },
    );
    // Each worker logs a round's total when it ends: together, every row once.
    await vi.waitFor(
      () => {
        const records = workers.flatMap((w) => w.records());
        const total = (what: string) => records.reduce((n, r) => n + (r.removed?.[what] ?? 0), 0);
        expect([total('notifications'), total('auditEntries'), total('jobLogs')]).toEqual([2500, 2500, 2499]);
        expect([total('builds'), total('workspaces')]).toEqual([1200, 300]);
      },
      { timeout: 10_000, interval: 100 },
    );
    await Promise.all(workers.map((w) => w.stop()));
    const records = workers.flatMap((w) => w.records());
    expect(records.filter((r) => r.msg !== 'retention')).toEqual([]); // no failed batch
    expect(await count('provisioner_jobs')).toBe(2500);
    expect(await count('workspace_builds')).toBe(2500);
  });

  it('a setting of forever starts no loop for its kind, and its rows stay', async () => {
    const { live } = await seedBacklog();
    const forever = worker(
      loadRetentionConfig({
        AUTOBUILD_RETENTION_NOTIFICATIONS: 'forever',
        AUTOBUILD_RETENTION_JOB_LOGS: 'forever',
        AUTOBUILD_RETENTION_DELETED_WORKSPACES: 'forever',
        AUTOBUILD_RETENTION_AUDIT: 'forever',
      }),
    );
    expect(forever.loops).toEqual([]);
    const onlyAudit = worker({ ...loadRetentionConfig({}), deliveredNotificationsMs: null, jobLogsMs: null, deletedWorkspacesMs: null });
    expect(onlyAudit.loops).toHaveLength(1);
    await vi.waitFor(async () => expect(await count('audit_log')).toBe(0), { timeout: 20_000, interval: 200 });
    await onlyAudit.stop();
    expect(await count('notifications', `workspace_id = '${live}'`)).toBe(2500);
    expect(await count('provisioner_jobs', "log <> ''")).toBe(2500 + 300);
    expect(await count('workspaces')).toBe(301);
  });
});

describe('migration 007', () => {
  it('is additive: it applies on a database at 006 with jobs in it, which keep their logs until they are old enough', async () => {
    const old = await createTestDatabase({ migrate: false });
    const dir = await mkdtemp(join(tmpdir(), 'autobuild-migrations-'));
    try {
      for (const m of (await loadMigrations()).filter((x) => x.version <= 6)) await writeFile(join(dir, `${m.name}.sql`), m.sql);
      await migrate(old.pool, { dir });
      // Code of 006 writes a finished job the way it always has.
      const { rows } = await old.pool.query(
        `INSERT INTO provisioner_jobs (created_at, started_at, completed_at, log)
         VALUES (now() - interval '2 days', now() - interval '2 days', now() - interval '2 days', 'built') RETURNING id`,
      );
      expect((await migrate(old.pool)).applied).toContain('007_retention');
      const job = await old.pool.query('SELECT log, log_removed_at FROM provisioner_jobs WHERE id = $1', [rows[0].id]);
      expect(job.rows[0]).toEqual({ log: 'built', log_removed_at: null });
      expect(await emptyJobLogs(old.pool, DAY, RETENTION_BATCH, null)).toEqual({ emptied: 1, next: null });
    } finally {
      await old.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets every retention statement find its rows through an index, on tables where most rows are to be kept', async () => {
    // 20,000 of each kind, of which 1 in 50 is past its setting: the proportion after the first rounds.
    await db.pool.query('ALTER TABLE workspace_builds DISABLE TRIGGER workspace_builds_track_latest');
    await db.pool.query(
      `INSERT INTO workspaces (owner_id, template_id, name, deleted)
       SELECT $1, $2, 'plan' || i, i % 10 = 0 FROM generate_series(1, 4000) i`,
      [userId, template.id],
    );
    await db.pool.query(
      `WITH jobs AS (
         INSERT INTO provisioner_jobs (created_at, started_at, completed_at, log)
         SELECT at, at, at, 'log' FROM (SELECT now() - CASE WHEN i % 50 = 0 THEN 100 ELSE 1 END * interval '1 day' AS at
                                          FROM generate_series(1, 20000) i) t
         RETURNING id, completed_at),
       numbered AS (SELECT id, completed_at, row_number() OVER () AS i FROM jobs),
       ws AS (SELECT id, row_number() OVER () AS i FROM workspaces)
       INSERT INTO workspace_builds (workspace_id, build_number, transition, reason, template_version_id, initiator_id, job_id)
       SELECT ws.id, (n.i - 1) / 4000 + 1, 'start', 'initiator', $1, $2, n.id FROM numbered n JOIN ws ON ws.i = (n.i - 1) % 4000 + 1`,
      [template.versionId, userId],
    );
    await db.pool.query('ALTER TABLE workspace_builds ENABLE TRIGGER workspace_builds_track_latest');
    await db.pool.query(
      `UPDATE workspaces w SET latest_build_id = b.id, latest_build_number = 5, latest_job_id = b.job_id,
              latest_job_completed_at = CASE WHEN w.deleted THEN now() - interval '1 day' END
         FROM workspace_builds b WHERE b.workspace_id = w.id AND b.build_number = 5`,
    );
    await db.pool.query(
      `INSERT INTO notifications (kind, workspace_id, user_id, payload, dedupe_key, created_at, delivered_at)
       SELECT 'autostop_reminder', w.id, $1, '{}', 'plan' || i, at, CASE WHEN i % 7 <> 0 THEN at END
         FROM (SELECT i, now() - CASE WHEN i % 50 = 0 THEN 100 ELSE 1 END * interval '1 day' AS at FROM generate_series(1, 20000) i) t
         JOIN (SELECT id, row_number() OVER () AS n FROM workspaces) w ON w.n = i % 4000 + 1`,
      [userId],
    );
    await db.pool.query(
      `INSERT INTO evaluations (key, workspace_id, outcome) SELECT 'plan/' || i, w.id, '{}'
         FROM generate_series(1, 20000) i JOIN (SELECT id, row_number() OVER () AS n FROM workspaces) w ON w.n = i % 4000 + 1`,
    );
    await db.pool.query(
      `INSERT INTO audit_log (actor, action, at)
       SELECT 'cli:root', 'user.create', now() - CASE WHEN i % 50 = 0 THEN 400 ELSE 1 END * interval '1 day' FROM generate_series(1, 20000) i`,
    );
    await db.pool.query('ANALYZE');

    // Each statement explained instead of run: the same text, the same parameters.
    const plans: PlanNode[] = [];
    const explaining = {
      query: async (text: string, values: unknown[]) => {
        const { rows } = await db.pool.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
        plans.push(rows[0]['QUERY PLAN'][0].Plan);
        return { rows: [], rowCount: 0 };
      },
    } as unknown as Pool;
    await removeDeliveredNotifications(explaining, 30 * DAY, RETENTION_BATCH);
    await removeAuditEntries(explaining, 365 * DAY, RETENTION_BATCH);
    await emptyJobLogs(explaining, 30 * DAY, RETENTION_BATCH, null);
    await emptyJobLogs(explaining, 30 * DAY, RETENTION_BATCH, { completedAt: '2020-01-01 00:00:00+00', id: randomUUID() });
    await removeBuildsOfDeletedWorkspaces(explaining, 90 * DAY, RETENTION_BATCH);
    await removeDeletedWorkspaces(explaining, 90 * DAY, WORKSPACE_BATCH);
    expect(plans).toHaveLength(6);
    // No table that grows with use is read whole: no sequential scan, and no index scan without a condition.
    const growing = ['notifications', 'audit_log', 'provisioner_jobs', 'workspace_builds', 'workspaces', 'evaluations'];
    const wholeReads = plans
      .flatMap(scans)
      .filter((n) => growing.includes(n['Relation Name'] ?? ''))
      .filter((n) => n['Node Type'] === 'Seq Scan' || (/Index/.test(n['Node Type']) && n['Index Cond'] === undefined))
      .map((n) => `${n['Node Type']} on ${n['Relation Name']}`);
    expect(wholeReads).toEqual([]);
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/** The node and every node under it. */
const scans = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(scans)];
