// The engine's pools read bigint milliseconds as numbers, without changing
// how any other PostgreSQL client in the process reads them.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, type Pool } from '../../src/db/pool.js';
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
});
