// A very small migration runner: numbered .sql files, each applied once in its
// own transaction, recorded in schema_migrations. An advisory lock makes
// concurrent runners (two workers starting at once) take turns, so running it
// twice, or twice at once, is safe.
//
// Two guards keep a database and the code that runs on it honest with each other:
// - each applied migration's SHA-256 is recorded, and a shipped file that no longer
//   matches it refuses the start: the database would otherwise differ, silently,
//   from a fresh one built from the same files;
// - migrations are additive (expand), and one that removes what older code still
//   uses (contract) says so with `-- autobuild: min-code-version <N>` in its header.
//   Code whose schema version (its highest migration number) is below the highest
//   such N recorded in the database refuses to start; any other code runs, also on
//   a database that a newer release has already expanded.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
export const LOCK_KEY = 727_001; // arbitrary, constant: identifies "autobuild migrations"
const DIRECTIVE = /^--\s*autobuild:\s*min-code-version\s+(\d+)\s*$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** SHA-256 (hex) of the file's bytes, as read. */
  checksum: string;
  /** From `-- autobuild: min-code-version <N>`: applying this migration makes the database refuse code below N. */
  minCodeVersion: number | null;
}

export interface MigrateOptions {
  /** The folder of numbered .sql files; the shipped src/db/migrations by default. */
  dir?: string;
}

export interface MigrateResult {
  /** Migrations applied by this run, in order. */
  applied: string[];
  /** Migrations recorded in the database that this code does not ship (a newer, additive release applied them). */
  unknown: string[];
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const migrations = await Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(join(dir, file));
      const version = Number(file.split('_')[0]);
      const name = file.replace(/\.sql$/, '');
      const sql = bytes.toString('utf8');
      return { version, name, sql, checksum: sha256(bytes), minCodeVersion: readDirective(name, version, sql) };
    }),
  );
  migrations.sort((a, b) => a.version - b.version);
  // Versions are the bookkeeping key: of two files with one number, the second would never be applied.
  for (const [i, m] of migrations.entries()) {
    const prev = migrations[i - 1];
    if (prev?.version === m.version) throw new Error(`migrations ${prev.name} and ${m.name} have the same number; renumber one`);
  }
  return migrations;
}

/** This code's schema version: the highest migration number it ships (0 for none). */
export async function codeSchemaVersion(dir = MIGRATIONS_DIR): Promise<number> {
  return highestVersion(await loadMigrations(dir));
}

/**
 * Applies pending migrations, after refusing a database this code must not run on:
 * one whose applied migrations require a newer code schema version, or whose applied
 * files were changed since.
 */
export async function migrate(pool: pg.Pool, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(opts.dir);
  const codeVersion = highestVersion(migrations);
  const client = await pool.connect();
  try {
    // A migration may rewrite a large table, and another runner waits here for the one
    // migrating: neither is held to the pool's statement and lock timeouts (reset below).
    await client.query('SET statement_timeout = 0; SET lock_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    // The runner's own bookkeeping comes first, and is upgraded in place: databases migrated
    // before checksums and contracts existed have rows without them.
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
    await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS min_code_version integer');
    const { rows } = await client.query<{ version: number; name: string; checksum: string | null; min_code_version: number | null }>(
      'SELECT version, name, checksum, min_code_version FROM schema_migrations ORDER BY version',
    );

    // Checked before anything is applied: a newer release may have removed what this code reads and writes.
    const required = Math.max(0, ...rows.map((r) => r.min_code_version ?? 0));
    if (required > codeVersion) {
      const by = rows.find((r) => r.min_code_version === required)?.name;
      throw new Error(
        `this database needs autobuild with schema version >= ${required} (migration ${by}, applied by a newer release, removed something this code uses); this code has schema version ${codeVersion}: run that release or a newer one`,
      );
    }

    const shipped = new Map(migrations.map((m) => [m.version, m]));
    const backfill: Migration[] = [];
    for (const r of rows) {
      const m = shipped.get(r.version);
      if (!m) continue;
      if (r.checksum === null) backfill.push(m);
      else if (r.checksum !== m.checksum) {
        throw new Error(
          `migration ${m.name} was changed after it was applied to this database (recorded sha256 ${short(r.checksum)}, file has ${short(m.checksum)}); restore the file, and put the change in a new migration`,
        );
      }
    }
    // Rows applied before checksums existed are trusted once: the file as shipped now becomes the record.
    for (const m of backfill) {
      await client.query('UPDATE schema_migrations SET checksum = $2 WHERE version = $1 AND checksum IS NULL', [m.version, m.checksum]);
    }

    const done = new Set(rows.map((r) => r.version));
    const unknown = rows.filter((r) => !shipped.has(r.version)).map((r) => r.name);
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum, min_code_version) VALUES ($1, $2, $3, $4)', [
          m.version,
          m.name,
          m.checksum,
          m.minCodeVersion,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.name);
    }
    return { applied, unknown };
  } finally {
    const unlocked = await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).then(
      () => true,
      () => false,
    );
    // Back to the session's own limits (the pool's) before the connection is reused.
    await client.query('RESET statement_timeout; RESET lock_timeout').catch(() => {});
    // The lock belongs to the session: a connection that could not unlock is closed, not
    // returned to the pool, so it cannot keep every other runner waiting.
    client.release(!unlocked);
  }
}

function readDirective(name: string, version: number, sql: string): number | null {
  let min: number | null = null;
  let header = true;
  for (const line of sql.split('\n').map((l) => l.trim())) {
    if (header && line !== '' && !line.startsWith('--')) header = false;
    if (!/^--\s*autobuild:/.test(line)) continue;
    // A misspelt or misplaced directive fails loudly: ignored, it would let old code run on a contracted schema.
    const n = header ? DIRECTIVE.exec(line)?.[1] : undefined;
    if (n === undefined) {
      throw new Error(
        `migration ${name}: "${line}" is not "-- autobuild: min-code-version <N>" in the comment lines at the top of the file`,
      );
    }
    // Code below this migration's own number cannot apply it, so a larger N would lock out the code that did.
    if (Number(n) < 1 || Number(n) > version) {
      throw new Error(`migration ${name}: min-code-version ${n} must be between 1 and the migration's own number, ${version}`);
    }
    min = Math.max(min ?? 0, Number(n));
  }
  return min;
}

function highestVersion(migrations: Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function short(checksum: string): string {
  return `${checksum.slice(0, 12)}…`;
}
