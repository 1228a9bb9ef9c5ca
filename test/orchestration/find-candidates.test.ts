import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateQueryValues, FIND_CANDIDATES_SQL, findCandidates } from '../../src/db/sql/find-candidates.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTemplate, createUser, createWorkspace, D, H, MIN, plus, type Template } from './fixtures.js';

const T = new Date('2024-03-04T09:00:00Z'); // a Monday

describe('candidate query', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('one row per rule', () => {
    let owner: string;
    let suspended: string;
    let plain: Template;
    const expected = new Map<string, boolean>();
    /** Each row's id by its name. */
    const named = new Map<string, string>();
    const idOf = (name: string): string => {
      const id = named.get(name);
      if (id === undefined) throw new Error(`no row named ${name}`);
      return id;
    };
    beforeAll(async () => {
      owner = await createUser(db.pool);
      suspended = await createUser(db.pool, 'suspended');
      plain = await createTemplate(db.pool);
      const dormancy = await createTemplate(db.pool, { timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 7 * D });
      const failure = await createTemplate(db.pool, { failureTtlMs: H });
      const remind = await createTemplate(db.pool, { autostopNotifyBeforeMs: 30 * MIN, activityBumpMs: 0 });
      const noAutostart = await createTemplate(db.pool, { allowUserAutostart: false });
      const lastUsedAt = plus(T, -H);
      const running = { transition: 'start' as const, createdAt: plus(T, -2 * H) };
      const stopped = { transition: 'stop' as const, createdAt: plus(T, -2 * H) };
      const add = async (name: string, candidate: boolean, o: Partial<Parameters<typeof createWorkspace>[1]>) => {
        const id = await createWorkspace(db.pool, { ownerId: owner, template: plain, lastUsedAt, build: running, ...o });
        expected.set(id, candidate);
        named.set(name, id);
        return name;
      };
      await add('deadline passed', true, { build: { ...running, deadline: plus(T, -MIN) } });
      await add('deadline equal to T (strict)', false, { build: { ...running, deadline: T } });
      await add('deadline passed but job failed', false, { build: { ...running, deadline: plus(T, -MIN), job: 'failed' } });
      await add('owner suspended', true, { ownerId: suspended });
      await add('owner suspended, stopped', false, { ownerId: suspended, build: stopped });
      await add('autostart due', true, { autostartSchedule: '0 9 * * *', nextStartAt: T, build: stopped });
      await add('autostart not yet due', false, { autostartSchedule: '0 9 * * *', nextStartAt: plus(T, MIN), build: stopped });
      await add('autostart next_start_at NULL', true, { autostartSchedule: '0 9 * * *', build: stopped });
      await add('autostart template disallows', false, {
        template: noAutostart,
        autostartSchedule: '0 9 * * *',
        nextStartAt: T,
        build: stopped,
      });
      await add('autostart after failed build', false, {
        autostartSchedule: '0 9 * * *',
        nextStartAt: T,
        build: { ...stopped, job: 'failed' },
      });
      await add('autostart owner suspended', false, { ownerId: suspended, autostartSchedule: '0 9 * * *', nextStartAt: T, build: stopped });
      // docs/rules.md#pause-and-skip: paused indefinitely leaves the autostart candidates; paused until an instant does not.
      await add('autostart paused indefinitely', false, { autostartSchedule: '0 9 * * *', build: stopped });
      await add('autostart paused until an instant, due', true, { autostartSchedule: '0 9 * * *', nextStartAt: T, build: stopped });
      await db.pool.query('UPDATE workspaces SET autostart_paused = true WHERE id = $1', [idOf('autostart paused indefinitely')]);
      await db.pool.query('UPDATE workspaces SET autostart_paused = true, autostart_paused_until = $2 WHERE id = $1', [
        idOf('autostart paused until an instant, due'),
        plus(T, -H),
      ]);
      await add('inactive past threshold', true, { template: dormancy, lastUsedAt: plus(T, -7 * D - MIN), build: stopped });
      await add('inactive exactly threshold', false, { template: dormancy, lastUsedAt: plus(T, -7 * D), build: stopped });
      await add('dormant, deletion due', true, {
        template: dormancy,
        lastUsedAt: plus(T, -30 * D),
        dormantAt: plus(T, -8 * D),
        deletingAt: plus(T, -D),
        build: stopped,
      });
      await add('dormant, deletion not due', false, {
        template: dormancy,
        lastUsedAt: plus(T, -30 * D),
        dormantAt: plus(T, -2 * D),
        deletingAt: plus(T, 5 * D),
        build: stopped,
      });
      await add('dormant, failed delete 1h ago', false, {
        template: dormancy,
        lastUsedAt: plus(T, -30 * D),
        dormantAt: plus(T, -8 * D),
        deletingAt: plus(T, -D),
        build: { transition: 'delete', createdAt: plus(T, -2 * H), job: 'failed', completedAt: plus(T, -H) },
      });
      await add('dormant, failed delete finished 25h ago', true, {
        template: dormancy,
        lastUsedAt: plus(T, -30 * D),
        dormantAt: plus(T, -8 * D),
        deletingAt: plus(T, -2 * D),
        build: { transition: 'delete', createdAt: plus(T, -26 * H), job: 'failed', completedAt: plus(T, -25 * H) },
      });
      await add('dormant, failed delete finished exactly 24h ago (strict)', false, {
        template: dormancy,
        lastUsedAt: plus(T, -30 * D),
        dormantAt: plus(T, -8 * D),
        deletingAt: plus(T, -2 * D),
        build: { transition: 'delete', createdAt: plus(T, -25 * H), job: 'failed', completedAt: plus(T, -24 * H) },
      });
      await add('failed start past failure TTL', true, {
        template: failure,
        build: { ...running, job: 'failed', completedAt: plus(T, -2 * H) },
      });
      await add('failed start within failure TTL', false, {
        template: failure,
        build: { ...running, job: 'failed', completedAt: plus(T, -30 * MIN) },
      });
      await add('deadline within reminder window', true, { template: remind, build: { ...running, deadline: plus(T, 20 * MIN) } });
      await add('deadline within window, already reminded', false, {
        template: remind,
        build: { ...running, deadline: plus(T, 20 * MIN), notifiedAutostopDeadline: plus(T, 20 * MIN) },
      });
      await add('deadline beyond reminder window', false, { template: remind, build: { ...running, deadline: plus(T, 40 * MIN) } });
    });

    it('selects exactly the rows some rule could act on, ordered by id', async () => {
      const got = await findCandidates(db.pool, { at: T, limit: 1000 });
      const want = [...expected]
        .filter(([, c]) => c)
        .map(([id]) => id)
        .sort();
      expect(got).toEqual(want);
    });

    it('autodelete: a failed delete that finished more than 24 h before T is a candidate again (strict: not at exactly 24 h, nor 1 h)', async () => {
      const got = await findCandidates(db.pool, { at: T, limit: 1000 });
      expect(got).toContain(idOf('dormant, failed delete finished 25h ago'));
      expect(got).not.toContain(idOf('dormant, failed delete finished exactly 24h ago (strict)'));
      expect(got).not.toContain(idOf('dormant, failed delete 1h ago'));
      // One minute later the 24 h have passed for the second one too.
      expect(await findCandidates(db.pool, { at: plus(T, MIN), limit: 1000 })).toContain(
        idOf('dormant, failed delete finished exactly 24h ago (strict)'),
      );
    });

    it('pages by id with a cursor', async () => {
      const all = await findCandidates(db.pool, { at: T, limit: 1000 });
      const first = await findCandidates(db.pool, { at: T, limit: 3 });
      const rest = await findCandidates(db.pool, { at: T, afterId: first.at(-1)!, limit: 1000 });
      expect([...first, ...rest]).toEqual(all);
    });
  });

  // Users included: the autostart branch once hashed every active user (a seq scan of users),
  // 45 ms at 1M workspaces (bench/results, query scaling), because the planner took the
  // table-wide share of NULL next_start_at for the branch's row count.
  it('on 50,000 workspaces, no branch scans workspaces, builds, jobs or users sequentially', async () => {
    await seedBulk(db, 50_000);
    await db.pool.query('ANALYZE');
    const { rows } = await db.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${FIND_CANDIDATES_SQL}`,
      candidateQueryValues({ at: T, limit: 500 }),
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).not.toMatch(/Seq Scan on (workspaces|workspace_builds|provisioner_jobs|users)\b/);
    // The autostart branch (with its paused-indefinitely condition, docs/rules.md#pause-and-skip) walks the partial index of 009.
    expect(plan).toContain('workspaces_autostart_idx');
    const started = performance.now();
    const ids = await findCandidates(db.pool, { at: T, limit: 500 });
    const ms = performance.now() - started;
    const scans = [...plan.matchAll(/(?:Index Scan using|Bitmap Index Scan on) (\w+)/g)].map((m) => m[1]);
    console.log(
      `candidate query on 50k workspaces: ${ids.length} candidates in ${ms.toFixed(1)} ms; indexes: ${[...new Set(scans)].join(', ')}`,
    );
    expect(ids.length).toBeGreaterThan(0);
  }, 300_000);
});

/**
 * 50k workspaces shaped like a real deployment: most stopped with a schedule
 * due later, some running with future deadlines, a few dormant; 1 in 500 due;
 * one owner per two workspaces.
 */
async function seedBulk(db: TestDatabase, n: number) {
  await db.pool.query(`
    INSERT INTO users (username, status)
      SELECT 'bulk' || i, CASE WHEN i % 100 = 0 THEN 'suspended' ELSE 'active' END FROM generate_series(1, ${Math.ceil(n / 2)}) i;
    WITH t AS (
      INSERT INTO templates (name, time_til_dormant_ms, time_til_dormant_autodelete_ms, failure_ttl_ms, autostop_notify_before_ms)
        SELECT 'bulk' || i, 30 * 86400000::bigint, 7 * 86400000::bigint, 3600000, 1800000 FROM generate_series(1, 5) i
        RETURNING id)
    INSERT INTO template_versions (template_id, name) SELECT id, 'v1' FROM t;
    UPDATE templates t SET active_version_id = v.id FROM template_versions v WHERE v.template_id = t.id AND t.name LIKE 'bulk%';
  `);
  await db.pool.query(
    `WITH u AS (SELECT array_agg(id) a FROM users WHERE username LIKE 'bulk%'),
          t AS (SELECT array_agg(id) a FROM templates WHERE name LIKE 'bulk%')
     INSERT INTO workspaces (owner_id, template_id, name, autostart_schedule, last_used_at, dormant_at, deleting_at, next_start_at)
     SELECT u.a[1 + i % cardinality(u.a)], t.a[1 + i % 5], 'bulk' || i,
            CASE WHEN i % 10 < 7 THEN '0 9 * * 1-5' END,
            $1::timestamptz - ((i % 20) || ' days')::interval,
            CASE WHEN i % 50 = 0 THEN $1::timestamptz - interval '3 days' END,
            CASE WHEN i % 50 = 0 THEN $1::timestamptz + interval '4 days' END,
            CASE WHEN i % 10 < 7 THEN $1::timestamptz + CASE WHEN i % 500 = 1 THEN interval '0' ELSE interval '1 day' END END
       FROM generate_series(1, $2::int) i, u, t`,
    [T, n],
  );
  await db.pool.query(
    `WITH w AS (SELECT id, owner_id, template_id, row_number() OVER (ORDER BY id) i FROM workspaces WHERE name LIKE 'bulk%'),
          j AS (INSERT INTO provisioner_jobs (created_at, started_at, completed_at)
                SELECT $1::timestamptz - interval '1 day', $1::timestamptz - interval '1 day', $1::timestamptz - interval '23 hours'
                  FROM w RETURNING id),
          jn AS (SELECT id, row_number() OVER () i FROM j)
     INSERT INTO workspace_builds (workspace_id, build_number, transition, reason, template_version_id, initiator_id, job_id,
                                   deadline, created_at)
     SELECT w.id, 1, CASE WHEN w.i % 10 < 7 THEN 'stop' ELSE 'start' END, 'initiator', v.id, w.owner_id, jn.id,
            CASE WHEN w.i % 10 >= 7 THEN $1::timestamptz + CASE WHEN w.i % 500 = 9 THEN interval '-1 minute' ELSE interval '5 hours' END END,
            $1::timestamptz - interval '1 day'
       FROM w JOIN jn ON jn.i = w.i JOIN template_versions v ON v.template_id = w.template_id`,
    [T],
  );
}
