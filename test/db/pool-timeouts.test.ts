// The service's connections carry statement and lock timeouts
// (docs/operations.md#database-timeouts); migrations are exempt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_KEY, migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('pool timeouts', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a statement running past the statement timeout is canceled (57014)', async () => {
    const pool = createPool(db.url, 1, { statementTimeoutMs: 200 });
    try {
      await expect(pool.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
      expect((await pool.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('200ms');
    } finally {
      await pool.end();
    }
  });

  it('a statement waiting past the lock timeout for a row lock gives up (55P03)', async () => {
    const pool = createPool(db.url, 1, { lockTimeoutMs: 200 });
    const holder = await db.pool.connect();
    try {
      await holder.query(`INSERT INTO users (username) VALUES ('locked')`);
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM users WHERE username = 'locked' FOR UPDATE`);
      await expect(pool.query(`UPDATE users SET status = 'dormant' WHERE username = 'locked'`)).rejects.toMatchObject({ code: '55P03' });
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
      await pool.end();
    }
  });

  it('migrations wait for another runner and run long statements whatever the pool’s limits, then restore them', async () => {
    const fresh = await createTestDatabase({ migrate: false });
    const pool = createPool(fresh.url, 1, { statementTimeoutMs: 1000, lockTimeoutMs: 100 });
    const other = await fresh.pool.connect();
    try {
      // Another runner holds the migration lock for longer than the lock timeout.
      await other.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
      const running = migrate(pool);
      await new Promise((r) => setTimeout(r, 500));
      await other.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
      expect((await running).applied.length).toBeGreaterThan(0);
      // The same connection (the pool has one) is back to the pool's limits.
      expect((await pool.query('SHOW lock_timeout')).rows[0].lock_timeout).toBe('100ms');
      expect((await pool.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('1s');
    } finally {
      other.release();
      await pool.end();
      await fresh.drop();
    }
  });
});
