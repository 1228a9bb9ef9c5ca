// Migration 008: the database clock is one function, autobuild_now(). Every
// instant the database stamps or compares reads it, so replacing it moves the
// whole database clock (the simulated week, docs/soak.md, relies on this).
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeJob } from '../../src/builds/complete-job.js';
import { commitBuild } from '../helpers/builds.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { PROJECT_ROOT } from '../helpers/processes.js';
import { insertTemplate, insertUser, insertWorkspace } from '../helpers/rows.js';

/** Reads of the clock other than autobuild_now(): now(), CURRENT_TIMESTAMP, clock_timestamp(), … */
const CLOCK_READ =
  /(?<![\w.])(?:now\s*\(\s*\)|(?:current_timestamp|current_date|current_time|localtimestamp|localtime|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday)\b)/i;

/**
 * The one exception: the migration runner's own bookkeeping (schema_migrations.applied_at) is
 * created before any migration, so before autobuild_now() exists, and records when a
 * migration really ran; nothing decides by it.
 */
const ALLOWED = new Set(['src/db/migrate.ts']);

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []),
    ),
  );
  return nested.flat();
}

/** The string literals of a source file (SQL lives in them), with the line each starts on; comments are left out. */
function stringLiterals(text: string): Array<{ line: number; sql: string }> {
  const token = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|`(?:\\[\s\S]|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g;
  const out: Array<{ line: number; sql: string }> = [];
  for (const m of text.matchAll(token)) {
    if (m[0].startsWith('/')) continue;
    out.push({ line: text.slice(0, m.index).split('\n').length, sql: m[0] });
  }
  return out;
}

describe('the database clock (migration 008)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('the source check finds a clock read in SQL, not in code or comments', () => {
    const sample = [
      "const a = await db.query('SELECT now()');",
      '// now() in a comment',
      'const b = Math.floor(now() / 1000);',
      "const c = `UPDATE t SET at = CURRENT_TIMESTAMP`, d = 'SELECT autobuild_now()';",
    ].join('\n');
    const found = stringLiterals(sample).filter((s) => CLOCK_READ.test(s.sql));
    expect(found.map((s) => s.line)).toEqual([1, 4]);
  });

  it('no SQL in src/ reads the clock except through autobuild_now()', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(join(PROJECT_ROOT, 'src'))) {
      const rel = relative(PROJECT_ROOT, file);
      if (ALLOWED.has(rel)) continue;
      for (const { line, sql } of stringLiterals(await readFile(file, 'utf8'))) {
        if (CLOCK_READ.test(sql)) offenders.push(`${rel}:${line}: ${sql.slice(0, 200)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('no column default, function or view of the migrated schema reads the clock except autobuild_now() itself', async () => {
    const { rows: defaults } = await db.pool.query<{ what: string; def: string }>(
      `SELECT table_name || '.' || column_name AS what, column_default AS def
         FROM information_schema.columns
        WHERE table_schema = 'public' AND column_default IS NOT NULL AND table_name <> 'schema_migrations'`,
    );
    const { rows: functions } = await db.pool.query<{ what: string; def: string }>(
      `SELECT p.proname AS what, p.prosrc AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proname <> 'autobuild_now'`,
    );
    const { rows: views } = await db.pool.query<{ what: string; def: string }>(
      `SELECT viewname AS what, definition AS def FROM pg_views WHERE schemaname = 'public'`,
    );
    const offenders = [...defaults, ...functions, ...views].filter((r) => CLOCK_READ.test(r.def)).map((r) => `${r.what}: ${r.def}`);
    expect(offenders).toEqual([]);
    // The function itself is now() in production.
    const { rows } = await db.pool.query<{ same: boolean }>('SELECT autobuild_now() = now() AS same');
    expect(rows[0]!.same).toBe(true);
  });

  it("replacing autobuild_now() moves a person's build, its job's completion and the deadline computed from it", async () => {
    const other = await createTestDatabase();
    try {
      const at = new Date('2031-05-06T07:08:09.000Z');
      await other.pool.query(
        `CREATE OR REPLACE FUNCTION autobuild_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT '${at.toISOString()}'::timestamptz $$`,
      );
      const owner = await insertUser(other.pool);
      const t = await insertTemplate(other.pool, { default_ttl_ms: 3_600_000, allow_user_autostop: false });
      const ws = await insertWorkspace(other.pool, owner, t.id);
      const { rows: w } = await other.pool.query('SELECT last_used_at, created_at FROM workspaces WHERE id = $1', [ws]);
      expect(w[0]).toEqual({ last_used_at: at, created_at: at });
      // A first build as the operations module writes one (created_at from the clock), completed.
      await other.pool.query(
        `WITH job AS (INSERT INTO provisioner_jobs (started_at, completed_at) VALUES (autobuild_now(), autobuild_now()) RETURNING id, created_at)
         INSERT INTO workspace_builds (workspace_id, build_number, transition, reason, template_version_id, initiator_id, job_id)
         SELECT $1, 1, 'stop', 'initiator', $2, $3, job.id FROM job`,
        [ws, t.versionId, owner],
      );
      const build = await commitBuild(other.pool, { workspaceId: ws, transition: 'start', initiatorId: owner });
      await completeJob(other.pool, build.jobId, { kind: 'succeeded' });
      const { rows } = await other.pool.query(
        `SELECT b.created_at, b.deadline, j.created_at AS job_created_at, j.completed_at
           FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id WHERE b.job_id = $1`,
        [build.jobId],
      );
      expect(rows[0]).toEqual({
        created_at: at,
        job_created_at: at,
        completed_at: at,
        deadline: new Date(at.getTime() + 3_600_000),
      });
    } finally {
      await other.drop();
    }
  });
});
