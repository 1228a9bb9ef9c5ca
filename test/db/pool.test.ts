// The engine's pools read bigint milliseconds as numbers, without changing
// how any other PostgreSQL client in the process reads them; a connection
// lost inside a transaction fails that transaction, not the process.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, inTransaction, type Pool } from '../../src/db/pool.js';
import { databaseUrl } from '../helpers/db.js';

describe('createPool', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = createPool(inject('pgAdminUrl'), 1);
  });
  afterAll(async () => pool?.end());

  it('reads int8 as a number in its own queries', async () => {
    const { rows } = await pool.query('SELECT 2592000000::int8 AS ms');
    expect(rows[0].ms).toBe(2_592_000_000);
  });

  it("leaves pg's global parsers alone: another client still reads int8 as text", async () => {
    await pool.query('SELECT 1');
    const client = new pg.Client({ connectionString: databaseUrl('postgres') });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT 2592000000::int8 AS ms');
      expect(rows[0].ms).toBe('2592000000');
    } finally {
      await client.end();
    }
  });

  it('a connection terminated inside a transaction fails that transaction, and the process and the pool go on', async () => {
    // Found by test/system/reliability/pg-faults.test.ts: a PostgreSQL restart mid-tick ended the
    // engine's process with an unhandled 'error' event of the client its transaction had checked out.
    const txPool = createPool(inject('pgAdminUrl'), 1);
    try {
      const failed = inTransaction(txPool, async (client) => {
        const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
        const ended = new Promise((resolve) => client.once('end', resolve));
        await pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        await ended; // the connection is gone between two statements
      });
      await expect(failed).rejects.toThrow(/not queryable|terminat/);
      expect((await txPool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await txPool.end();
    }
  });
});
