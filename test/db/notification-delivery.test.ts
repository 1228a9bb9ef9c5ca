// How long the deliverer sleeps before the next notification is due: measured
// by the database clock that stamped the due instants, so that a worker whose
// own clock is off neither spins nor oversleeps
// (test/system/reliability/clock.test.ts runs one an hour off).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markNotificationFailed, msUntilNextNotification } from '../../src/db/sql/notification-delivery.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertTemplate, insertUser, insertWorkspace } from '../helpers/rows.js';

const HOUR = 3_600_000;

describe('the wait until the next notification', () => {
  let db: TestDatabase;
  let userId: string;
  let workspaceId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    userId = await insertUser(db.pool);
    workspaceId = await insertWorkspace(db.pool, userId, (await insertTemplate(db.pool)).id);
  });
  afterAll(async () => db?.drop());

  const notify = async (): Promise<string> =>
    (
      await db.pool.query(
        `INSERT INTO notifications (kind, workspace_id, user_id, payload, dedupe_key)
         VALUES ('autostop_reminder', $1, $2, '{}', $3) RETURNING id`,
        [workspaceId, userId, randomUUID()],
      )
    ).rows[0].id;

  it('is null with nothing waiting, 0 for a notification due now, and the backoff after a failed send', async () => {
    expect(await msUntilNextNotification(db.pool)).toBeNull();

    const id = await notify();
    expect(await msUntilNextNotification(db.pool)).toBe(0);

    await markNotificationFailed(db.pool, id, 'HTTP 503', HOUR);
    const wait = await msUntilNextNotification(db.pool);
    expect(wait).toBeGreaterThan(HOUR - 60_000);
    expect(wait).toBeLessThanOrEqual(HOUR);

    await db.pool.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 day' WHERE id = $1`, [id]);
    expect(await msUntilNextNotification(db.pool), 'overdue: due now').toBe(0);

    await db.pool.query('UPDATE notifications SET delivered_at = now() WHERE id = $1', [id]);
    expect(await msUntilNextNotification(db.pool)).toBeNull();
  });
});
