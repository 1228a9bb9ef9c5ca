// The migration runner's guards, on a fresh database and small migration folders:
// each file applied once, changed files refused, and old code refused only by a
// database that a newer release contracted.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeSchemaVersion, loadMigrations, migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((d) => rm(d, { recursive: true, force: true })));
});

/** A temporary migration folder holding exactly these files. */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'autobuild-migrations-'));
  folders.push(dir);
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// Each migration fails if applied twice (CREATE TABLE without IF NOT EXISTS), and 002 needs 001 first.
const M1 = { '001_items.sql': '-- items\nCREATE TABLE items (id integer PRIMARY KEY);\n' };
const M2 = { '002_items_name.sql': 'ALTER TABLE items ADD COLUMN name text;\nCREATE TABLE tags (id integer);\n' };
const M3 = { '003_notes.sql': 'CREATE TABLE notes (id integer);\n' };
const M4_CONTRACT = {
  '004_drop_name.sql':
    '-- items.name is unused since schema version 3.\n-- autobuild: min-code-version 3\n\nALTER TABLE items DROP COLUMN name;\n',
};

describe('migrate', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterEach(async () => db?.drop());

  const recorded = async () =>
    (await db.pool.query('SELECT version, name, checksum, min_code_version FROM schema_migrations ORDER BY version')).rows;
  const tableExists = async (name: string) => (await db.pool.query('SELECT to_regclass($1) AS t', [name])).rows[0].t !== null;
  /** The message migrate() rejects with; fails the test if it resolves. */
  const refusal = async (dir: string): Promise<string> =>
    migrate(db.pool, { dir }).then(
      (result) => expect.fail(`migrate resolved: ${JSON.stringify(result)}`),
      (e: Error) => e.message,
    );

  it('applies the files in number order, once each, and records each file’s sha256', async () => {
    const dir = await folder({ ...M2, ...M1 });
    expect(await migrate(db.pool, { dir })).toEqual({ applied: ['001_items', '002_items_name'], unknown: [] });
    expect(await recorded()).toEqual([
      { version: 1, name: '001_items', checksum: sha256(M1['001_items.sql']), min_code_version: null },
      { version: 2, name: '002_items_name', checksum: sha256(M2['002_items_name.sql']), min_code_version: null },
    ]);
  });

  it('a second run applies nothing, and a later run applies only the new file', async () => {
    const dir = await folder({ ...M1, ...M2 });
    await migrate(db.pool, { dir });
    expect(await migrate(db.pool, { dir })).toEqual({ applied: [], unknown: [] });
    await writeFile(join(dir, '003_notes.sql'), M3['003_notes.sql']);
    expect(await migrate(db.pool, { dir })).toEqual({ applied: ['003_notes'], unknown: [] });
  });

  it('runners started at once take turns: each migration is applied exactly once, by one of them', async () => {
    const dir = await folder({ ...M1, '002_slow.sql': 'SELECT pg_sleep(0.2);\nCREATE TABLE slow (id integer);\n', ...M3 });
    const others = [createPool(db.url), createPool(db.url)];
    try {
      const results = await Promise.all([db.pool, ...others].map((p) => migrate(p, { dir })));
      expect(results.flatMap((r) => r.applied).sort()).toEqual(['001_items', '002_slow', '003_notes']);
      expect((await recorded()).map((r) => r.name)).toEqual(['001_items', '002_slow', '003_notes']);
    } finally {
      await Promise.all(others.map((p) => p.end()));
    }
  });

  it('an applied file that changed refuses the start with one line naming it and both checksums; nothing is applied', async () => {
    const dir = await folder({ ...M1, ...M2 });
    await migrate(db.pool, { dir });
    const changed = 'ALTER TABLE items ADD COLUMN name text NOT NULL;\nCREATE TABLE tags (id integer);\n';
    await writeFile(join(dir, '002_items_name.sql'), changed);
    await writeFile(join(dir, '003_notes.sql'), M3['003_notes.sql']);
    const message = await refusal(dir);
    expect(message).toBe(
      `migration 002_items_name was changed after it was applied to this database (recorded sha256 ${sha256(M2['002_items_name.sql']).slice(0, 12)}…, file has ${sha256(changed).slice(0, 12)}…); restore the file, and put the change in a new migration`,
    );
    expect(message).not.toContain('\n');
    expect(await tableExists('notes')).toBe(false);
    expect((await recorded()).map((r) => r.version)).toEqual([1, 2]);
    // Restoring the file is enough.
    await writeFile(join(dir, '002_items_name.sql'), M2['002_items_name.sql']);
    expect((await migrate(db.pool, { dir })).applied).toEqual(['003_notes']);
  });

  it('a row applied before checksums existed (no checksum column, then NULL) gets the file’s checksum recorded, not a refusal', async () => {
    // A database migrated by the runner before checksums: its bookkeeping table as that runner made it.
    await db.pool.query(`CREATE TABLE schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await db.pool.query(M1['001_items.sql']);
    await db.pool.query(`INSERT INTO schema_migrations (version, name) VALUES (1, '001_items')`);
    const dir = await folder({ ...M1, ...M2 });
    expect(await migrate(db.pool, { dir })).toEqual({ applied: ['002_items_name'], unknown: [] });
    expect((await recorded()).map((r) => r.checksum)).toEqual([sha256(M1['001_items.sql']), sha256(M2['002_items_name.sql'])]);
    // From then on the backfilled checksum is enforced.
    await writeFile(join(dir, '001_items.sql'), 'CREATE TABLE items (id bigint PRIMARY KEY);\n');
    expect(await refusal(dir)).toMatch(/^migration 001_items was changed after it was applied/);
  });

  it('a contract migration raises the recorded minimum code version to the highest N; code below it is refused, code at or above it runs', async () => {
    const later = { '005_more.sql': '-- autobuild: min-code-version 2\nCREATE TABLE more (id integer);\n' };
    const v2 = await folder({ ...M1, ...M2 });
    const v3 = await folder({ ...M1, ...M2, ...M3 });
    const v5 = await folder({ ...M1, ...M2, ...M3, ...M4_CONTRACT, ...later });
    expect([await codeSchemaVersion(v2), await codeSchemaVersion(v3), await codeSchemaVersion(v5)]).toEqual([2, 3, 5]);

    await migrate(db.pool, { dir: v2 });
    expect((await migrate(db.pool, { dir: v5 })).applied).toEqual(['003_notes', '004_drop_name', '005_more']);
    // 005 asks for less than 004 did: the minimum stays at 3.
    expect((await db.pool.query('SELECT max(min_code_version) AS min FROM schema_migrations')).rows[0].min).toBe(3);

    const message = await refusal(v2);
    expect(message).toBe(
      'this database needs autobuild with schema version >= 3 (migration 004_drop_name, applied by a newer release, removed something this code uses); this code has schema version 2: run that release or a newer one',
    );
    expect(message).not.toContain('\n');
    expect(await migrate(db.pool, { dir: v3 })).toEqual({ applied: [], unknown: ['004_drop_name', '005_more'] });
    expect(await migrate(db.pool, { dir: v5 })).toEqual({ applied: [], unknown: [] });
  });

  it('a database with applied migrations this code does not ship (a newer, additive release) is accepted and they are reported', async () => {
    const newer = await folder({ ...M1, ...M2, ...M3 });
    const older = await folder({ ...M1, ...M2 });
    await migrate(db.pool, { dir: newer });
    expect(await migrate(db.pool, { dir: older })).toEqual({ applied: [], unknown: ['003_notes'] });
    expect((await recorded()).map((r) => r.name)).toEqual(['001_items', '002_items_name', '003_notes']);
  });

  it('a failing migration is rolled back alone and the error names it; the ones before it stay applied', async () => {
    const dir = await folder({ ...M1, '002_bad.sql': 'CREATE TABLE half (id integer);\nSELECT * FROM missing_table;\n', ...M3 });
    expect(await refusal(dir)).toMatch(/^migration 002_bad failed: relation "missing_table" does not exist$/);
    expect((await recorded()).map((r) => r.name)).toEqual(['001_items']);
    expect(await tableExists('half')).toBe(false);
    expect(await tableExists('notes')).toBe(false);
  });
});

describe('loadMigrations', () => {
  it('refuses a misspelt or misplaced directive, an N above the migration’s own number, and two files with one number', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ '003_x.sql': '-- autobuild: min-code-versoin 2\nSELECT 1;\n' }, /^migration 003_x: "-- autobuild: min-code-versoin 2" is not/],
      [{ '003_x.sql': 'SELECT 1;\n-- autobuild: min-code-version 2\n' }, /^migration 003_x: .* in the comment lines at the top/],
      [{ '003_x.sql': '-- autobuild: min-code-version 4\nSELECT 1;\n' }, /^migration 003_x: min-code-version 4 must be between 1/],
      [{ '003_x.sql': 'SELECT 1;\n', '003_y.sql': 'SELECT 2;\n' }, /^migrations 003_x and 003_y have the same number/],
    ];
    for (const [files, error] of cases) await expect(loadMigrations(await folder(files))).rejects.toThrow(error);
  });

  it('reads the directive from the comment lines at the top, after blank lines and other comments', async () => {
    const dir = await folder({ '003_x.sql': '-- Drops x.\n\n--   autobuild:  min-code-version 2  \r\nDROP TABLE x;\n' });
    expect((await loadMigrations(dir)).map((m) => m.minCodeVersion)).toEqual([2]);
  });
});
