// The `class` label of autobuild_errors_total, from the errors the worker
// really meets: PostgreSQL's (from a real database), the engine's own, and
// Temporal's.

import { ServiceError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { InvalidDataError } from '../../src/engine/evaluate.js';
import { INVALID_DATA } from '../../src/engine/outcome.js';
import { errorClass } from '../../src/metrics/error-class.js';
import { freePort } from '../../src/runtime/ports.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => db?.drop());

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a failure'),
    (err: unknown) => err,
  );

describe('errorClass', () => {
  it('a value out of range or a broken constraint is invalid_data; a canceled statement or lock wait is timeout', async () => {
    expect(errorClass(await failure(db.pool.query('SELECT 1 / 0')))).toBe('invalid_data');
    expect(errorClass(await failure(db.pool.query(`SELECT 'x'::int`)))).toBe('invalid_data');
    const client = await db.pool.connect();
    try {
      await client.query(`SET statement_timeout = '10ms'`);
      expect(errorClass(await failure(client.query('SELECT pg_sleep(1)')))).toBe('timeout');
    } finally {
      client.release(true);
    }
  });

  it('another SQL error, or no database answering, is database', async () => {
    expect(errorClass(await failure(db.pool.query('SELECT * FROM no_such_table')))).toBe('database');
    const dead = createPool(`postgres://u:p@127.0.0.1:${await freePort()}/none`);
    expect(errorClass(await failure(dead.query('SELECT 1')))).toBe('database');
    await dead.end();
  });

  it("the engine's invalid data, as thrown and as the activity's failure, is invalid_data", () => {
    expect(errorClass(new InvalidDataError('cannot decide'))).toBe('invalid_data');
    expect(errorClass(ApplicationFailure.nonRetryable('bad', INVALID_DATA))).toBe('invalid_data');
  });

  it('a failed call to Temporal is temporal; anything else is other', () => {
    expect(errorClass(new ServiceError('Failed to start workflow', { cause: Object.assign(new Error('unavailable'), { code: 14 }) }))).toBe(
      'temporal',
    );
    expect(errorClass(new Error('something else'))).toBe('other');
    expect(errorClass(undefined)).toBe('other');
  });
});
