// Text from outside is bounded and cleaned before it is stored
// (docs/operations.md#bounds): the job log keeps its last 64 KiB, a
// notification's last error 2,000 characters, and NUL and the other control
// characters but tab and newline are removed. The statements run against a
// real migrated database and the rows are read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/db/pool.js';
import { appendJobLog, JOB_LOG_LIMIT } from '../../src/db/sql/append-job-log.js';
import { insertNotificationRow } from '../../src/db/sql/insert-notification.js';
import { markNotificationFailed } from '../../src/db/sql/notification-delivery.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertTemplate, insertUser, insertWorkspace } from '../helpers/rows.js';

/** `n` characters that differ along their length, so that which end was kept is visible. */
const numbered = (n: number, tag: string): string => {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `${tag}${i};`;
  return s.slice(0, n);
};

describe('stored text', () => {
  let db: TestDatabase;
  let userId: string;
  let workspaceId: string;
  let seq = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    userId = await insertUser(db.pool);
    const t = await insertTemplate(db.pool);
    workspaceId = await insertWorkspace(db.pool, userId, t.id);
  });
  afterAll(async () => db?.drop());

  const newJob = async (): Promise<string> => (await db.pool.query('INSERT INTO provisioner_jobs DEFAULT VALUES RETURNING id')).rows[0].id;
  const logOf = async (jobId: string): Promise<string> =>
    (await db.pool.query('SELECT log FROM provisioner_jobs WHERE id = $1', [jobId])).rows[0].log;

  /** One outbox row written the engine's way; returns its id and stored payload. */
  const notify = async (payload: object): Promise<{ id: string; payload: Record<string, unknown> }> => {
    const dedupeKey = `stored-text:${seq++}`;
    const inserted = await inTransaction(db.pool, (c) =>
      insertNotificationRow(c, { kind: 'workspace_dormant', workspaceId, userId, payload, dedupeKey }),
    );
    expect(inserted).toBe(true);
    const { rows } = await db.pool.query('SELECT id, payload FROM notifications WHERE dedupe_key = $1', [dedupeKey]);
    return rows[0];
  };

  it('bounds: the job log keeps its last 64 KiB, across appends', async () => {
    expect(JOB_LOG_LIMIT).toBe(64 * 1024);
    const jobId = await newJob();
    const first = numbered(40_000, 'a');
    const second = numbered(40_000, 'b');
    await appendJobLog(db.pool, jobId, first);
    expect(await logOf(jobId)).toBe(first); // under the bound: kept whole
    await appendJobLog(db.pool, jobId, second);
    const log = await logOf(jobId);
    expect(log).toHaveLength(64 * 1024);
    expect(log).toBe((first + second).slice(-64 * 1024));
    expect(log.endsWith(second)).toBe(true);

    // One append longer than the bound on its own.
    const other = await newJob();
    const long = numbered(200_000, 'c');
    await appendJobLog(db.pool, other, long);
    expect(await logOf(other)).toBe(long.slice(-64 * 1024));
  });

  it('bounds: NUL and the other control characters but tab and newline are removed from the job log', async () => {
    const jobId = await newJob();
    await appendJobLog(db.pool, jobId, 'step\u00001\u0007\r\n\tok\u001b[0m\u007f\u001f end');
    expect(await logOf(jobId)).toBe('step1\n\tok[0m end');
  });

  it("bounds: a notification's last error is cut to 2,000 characters", async () => {
    const { id } = await notify({ message: 'x' });
    const error = numbered(5_000, 'e');
    await markNotificationFailed(db.pool, id, error, 60_000);
    const { rows } = await db.pool.query('SELECT last_error, attempts FROM notifications WHERE id = $1', [id]);
    expect(rows[0].last_error).toHaveLength(2_000);
    expect(rows[0].last_error).toBe(error.slice(0, 2_000));
    expect(rows[0].attempts).toBe(1);

    // An error from a receiver with NUL in it is stored (PostgreSQL refuses NUL in text), without it.
    await markNotificationFailed(db.pool, id, 'HTTP 500: \u0000bad\u0000 gateway', 60_000);
    const again = await db.pool.query('SELECT last_error FROM notifications WHERE id = $1', [id]);
    expect(again.rows[0].last_error).toBe('HTTP 500: bad gateway');
  });

  it('bounds: NUL and the other control characters but tab and newline are removed from notification payloads', async () => {
    const { payload } = await notify({
      message: 'a\u0000b\u0007c\td\ne\u001b\u007f',
      nested: { list: ['x\u001fy', 42, null, true], reason: '\u0000', 'ke\u0000y': 'in a key too' },
    });
    expect(payload).toEqual({ message: 'abc\td\ne', nested: { list: ['xy', 42, null, true], reason: '', key: 'in a key too' } });
  });
});
