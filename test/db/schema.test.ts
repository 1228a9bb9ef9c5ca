// The schema enforces docs/rules.md#entities by itself, and migrations are safe to repeat.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { BOUNDS, DAY } from '../../src/lifecycle/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertTemplate, insertUser, insertWorkspace } from '../helpers/rows.js';

describe('migrations', () => {
  it('apply once, then are a no-op when run again or by several runners at once', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const others = [createPool(db.url), createPool(db.url)];
      const results = await Promise.all([migrate(db.pool), ...others.map((p) => migrate(p))]);
      const all = (await loadMigrations()).map((m) => m.name);
      expect(results.flatMap((r) => r.applied).sort()).toEqual(all); // each applied exactly once, by one of the runners
      expect((await migrate(db.pool)).applied).toEqual([]);
      await Promise.all(others.map((p) => p.end()));
    } finally {
      await db.drop();
    }
  });
});

describe('migration 004: the bounds of every duration', () => {
  const policyColumns = [
    'activity_bump_ms',
    'failure_ttl_ms',
    'time_til_dormant_ms',
    'time_til_dormant_autodelete_ms',
    'autostop_notify_before_ms',
    'autodelete_notify_before_ms',
  ];

  it("the database's bounds are the operations module's (BOUNDS), and it refuses a value beyond them", async () => {
    const db = await createTestDatabase();
    try {
      const { rows } = await db.pool.query<{ def: string }>(
        `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'templates'::regclass AND conname LIKE '%_bound'`,
      );
      const defs = rows.map((r) => r.def).join('\n');
      for (const column of policyColumns) expect(defs).toContain(`(${column} <= '${BOUNDS.policyMaxMs}'::bigint)`);
      expect(defs).toContain(`default_ttl_ms >= ${BOUNDS.ttlMinMs}`);
      expect(defs).toContain(`default_ttl_ms <= '${BOUNDS.ttlMaxMs}'::bigint`);
      await expect(insertTemplate(db.pool, { time_til_dormant_ms: 2_500_000 * DAY })).rejects.toThrow(/templates_time_til_dormant_bound/);
    } finally {
      await db.drop();
    }
  });

  it('brings a value stored before the bounds (which never worked) to its bound, and schedules to their normal form', async () => {
    const db = await createTestDatabase({ migrate: false });
    const dir = await mkdtemp(join(tmpdir(), 'autobuild-migrations-'));
    try {
      for (const m of (await loadMigrations()).filter((x) => x.version <= 3)) await writeFile(join(dir, `${m.name}.sql`), m.sql);
      await migrate(db.pool, { dir });
      const user = await insertUser(db.pool);
      const t = await insertTemplate(db.pool, { time_til_dormant_ms: 2_500_000 * DAY, default_ttl_ms: 90 * DAY });
      const ws = await insertWorkspace(db.pool, user, t.id, { autostart_schedule: '  0  9 * * 1-5 ' });
      await migrate(db.pool);
      const { rows } = await db.pool.query('SELECT time_til_dormant_ms, default_ttl_ms FROM templates WHERE id = $1', [t.id]);
      expect(rows[0]).toEqual({ time_til_dormant_ms: BOUNDS.policyMaxMs, default_ttl_ms: BOUNDS.ttlMaxMs });
      const w = await db.pool.query('SELECT autostart_schedule FROM workspaces WHERE id = $1', [ws]);
      expect(w.rows[0].autostart_schedule).toBe('0 9 * * 1-5');
    } finally {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('migration 005: API tokens and the audit log', () => {
  it('005 and 006 are additive: they apply on a database at 004 with data in it, and the code of 004 still finds what it reads', async () => {
    const db = await createTestDatabase({ migrate: false });
    const dir = await mkdtemp(join(tmpdir(), 'autobuild-migrations-'));
    try {
      for (const m of (await loadMigrations()).filter((x) => x.version <= 4)) await writeFile(join(dir, `${m.name}.sql`), m.sql);
      await migrate(db.pool, { dir });
      const user = await insertUser(db.pool);
      const t = await insertTemplate(db.pool);
      const ws = await insertWorkspace(db.pool, user, t.id);
      expect((await migrate(db.pool)).applied.slice(0, 2)).toEqual(['005_api', '006_latest_build_noop']);
      const { rows } = await db.pool.query('SELECT id FROM workspaces WHERE id = $1', [ws]);
      expect(rows).toHaveLength(1);
      expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(0);
    } finally {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the audit log has an index for each filter, each in the id order of its pages', async () => {
    const db = await createTestDatabase();
    try {
      const { rows } = await db.pool.query<{ def: string }>(
        `SELECT indexdef AS def FROM pg_indexes WHERE tablename = 'audit_log' ORDER BY indexname`,
      );
      const defs = rows.map((r) => r.def.replace(/^.* USING btree /, ''));
      expect(defs).toEqual(
        expect.arrayContaining(['(actor, id DESC)', '(at, id DESC)', '(workspace_id, id DESC) WHERE (workspace_id IS NOT NULL)', '(id)']),
      );
    } finally {
      await db.drop();
    }
  });
});

describe('constraints', () => {
  let db: TestDatabase;
  let userId: string;
  let template: { id: string; versionId: string };
  beforeAll(async () => {
    db = await createTestDatabase();
    userId = await insertUser(db.pool);
    template = await insertTemplate(db.pool);
  });
  afterAll(async () => db?.drop());

  const rejects = (sql: string, params: unknown[] = []) => expect(db.pool.query(sql, params)).rejects.toThrow();

  it('usernames are unique and statuses are one of active, suspended, dormant', async () => {
    const { rows } = await db.pool.query('SELECT username FROM users WHERE id = $1', [userId]);
    await rejects(`INSERT INTO users (username) VALUES ($1)`, [rows[0].username]);
    await rejects(`INSERT INTO users (username, status) VALUES ('x1', 'deleted')`);
  });

  it('template options reject negative durations, unknown days and requirement weeks outside 1-16', async () => {
    await rejects(`INSERT INTO templates (name, default_ttl_ms) VALUES ('neg', -1)`);
    await rejects(`INSERT INTO templates (name, autostart_allowed_days) VALUES ('days', ARRAY['funday'])`);
    await rejects(`INSERT INTO templates (name, autostop_requirement_weeks) VALUES ('w0', 0)`);
    await rejects(`INSERT INTO templates (name, autostop_requirement_weeks) VALUES ('w17', 17)`);
  });

  it('a template active version must belong to that template', async () => {
    const other = await insertTemplate(db.pool);
    await rejects('UPDATE templates SET active_version_id = $1 WHERE id = $2', [other.versionId, template.id]);
  });

  it('workspace names are unique per owner among non-deleted workspaces; TTL is between 1 minute and 30 days', async () => {
    const id = await insertWorkspace(db.pool, userId, template.id);
    const { rows } = await db.pool.query('SELECT name FROM workspaces WHERE id = $1', [id]);
    await rejects('INSERT INTO workspaces (owner_id, template_id, name) VALUES ($1, $2, $3)', [userId, template.id, rows[0].name]);
    await db.pool.query('UPDATE workspaces SET deleted = true WHERE id = $1', [id]);
    await db.pool.query('INSERT INTO workspaces (owner_id, template_id, name) VALUES ($1, $2, $3)', [userId, template.id, rows[0].name]);
    await rejects(`INSERT INTO workspaces (owner_id, template_id, name, ttl_ms) VALUES ($1, $2, 'short', 59999)`, [userId, template.id]);
    await rejects(`INSERT INTO workspaces (owner_id, template_id, name, ttl_ms) VALUES ($1, $2, 'long', 2592000001)`, [
      userId,
      template.id,
    ]);
  });

  it('build numbers are unique per workspace, transitions and reasons are from the documented lists', async () => {
    const ws = await insertWorkspace(db.pool, userId, template.id);
    const job = async () => (await db.pool.query('INSERT INTO provisioner_jobs DEFAULT VALUES RETURNING id')).rows[0].id;
    const insert = async (n: number, transition = 'start', reason = 'initiator') =>
      db.pool.query(
        `INSERT INTO workspace_builds (workspace_id, build_number, transition, reason, template_version_id, initiator_id, job_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [ws, n, transition, reason, template.versionId, userId, await job()],
      );
    await insert(1);
    await expect(insert(1)).rejects.toThrow(/workspace_builds_workspace_id_build_number_key/);
    await expect(insert(2, 'restart')).rejects.toThrow();
    await expect(insert(2, 'stop', 'whim')).rejects.toThrow();
  });
});

describe('job status and the latest-build summary kept by triggers', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it.each([
    ['pending', 'NULL', 'NULL', 'NULL', 'NULL'],
    ['running', 'now()', 'NULL', 'NULL', 'NULL'],
    ['succeeded', 'now()', 'now()', 'NULL', 'NULL'],
    ['failed', 'now()', 'now()', 'NULL', `'boom'`],
    ['failed', 'now()', 'NULL', 'NULL', `'boom'`],
    ['canceled', 'now()', 'now()', 'now()', 'NULL'],
    ['canceling', 'now()', 'NULL', 'now()', 'NULL'],
    ['succeeded', 'now()', 'now()', 'NULL', `''`],
  ])('job_status is %s for started=%s completed=%s canceled=%s error=%s', async (expected, s, c, x, e) => {
    const { rows } = await db.pool.query(`SELECT job_status(${s}, ${c}, ${x}, ${e}) AS status`);
    expect(rows[0].status).toBe(expected);
  });

  it('the workspace row follows its newest build, its deadline and its job', async () => {
    const userId = await insertUser(db.pool);
    const t = await insertTemplate(db.pool);
    const ws = await insertWorkspace(db.pool, userId, t.id);
    const summary = async () =>
      (
        await db.pool.query(
          'SELECT latest_build_number, latest_transition, latest_deadline, latest_job_status, latest_job_completed_at FROM workspaces WHERE id = $1',
          [ws],
        )
      ).rows[0];
    const job = (await db.pool.query('INSERT INTO provisioner_jobs DEFAULT VALUES RETURNING id')).rows[0].id;
    const build = (
      await db.pool.query(
        `INSERT INTO workspace_builds (workspace_id, build_number, transition, reason, template_version_id, initiator_id, job_id)
       VALUES ($1, 1, 'start', 'initiator', $2, $3, $4) RETURNING id`,
        [ws, t.versionId, userId, job],
      )
    ).rows[0].id;
    expect(await summary()).toMatchObject({ latest_build_number: 1, latest_transition: 'start', latest_job_status: 'pending' });

    await db.pool.query('UPDATE provisioner_jobs SET started_at = now() WHERE id = $1', [job]);
    expect((await summary()).latest_job_status).toBe('running');
    await db.pool.query(`UPDATE provisioner_jobs SET completed_at = now(), error = 'boom' WHERE id = $1`, [job]);
    expect((await summary()).latest_job_status).toBe('failed');
    expect((await summary()).latest_job_completed_at).toBeInstanceOf(Date);

    const deadline = new Date('2030-01-01T18:00:00Z');
    await db.pool.query('UPDATE workspace_builds SET deadline = $1 WHERE id = $2', [deadline, build]);
    expect((await summary()).latest_deadline).toEqual(deadline);

    // Migration 006: a build change that leaves the summary as it is does not write the workspace row again
    // (an activity bump moves the summary and the build in one statement).
    const version = async () => (await db.pool.query('SELECT xmin::text AS v FROM workspaces WHERE id = $1', [ws])).rows[0].v;
    const later = new Date('2030-01-01T19:00:00Z');
    await db.pool.query('UPDATE workspaces SET latest_deadline = $1 WHERE id = $2', [later, ws]);
    const before = await version();
    await db.pool.query('UPDATE workspace_builds SET deadline = $1 WHERE id = $2', [later, build]);
    expect(await version()).toBe(before);
    expect((await summary()).latest_deadline).toEqual(later);
  });
});
