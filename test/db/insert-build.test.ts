// The one way a build is made (docs/rules.md#applying-a-decision-the-build-transaction), and the snapshot read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildActiveError, BuildRaceError, insertBuild } from '../../src/db/insert-build.js';
import { LOCKED, loadSnapshot } from '../../src/db/load-snapshot.js';
import { inTransaction } from '../../src/db/pool.js';
import { commitBuild } from '../helpers/builds.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertTemplate, insertUser, insertWorkspace } from '../helpers/rows.js';

describe('insertBuild and loadSnapshot', () => {
  let db: TestDatabase;
  let userId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    userId = await insertUser(db.pool);
  });
  afterAll(async () => db?.drop());

  /** The first build of a workspace (as `workspace create` makes it), then each next one under the row lock. */
  const first = (workspaceId: string, versionId: string) =>
    inTransaction(db.pool, (c) =>
      insertBuild(c, {
        workspaceId,
        buildNumber: 1,
        templateVersionId: versionId,
        transition: 'start',
        reason: 'initiator',
        initiatorId: userId,
        workflowId: null,
        createdAt: null,
      }),
    );
  const build = (workspaceId: string, extra: Partial<Parameters<typeof commitBuild>[1]> = {}) =>
    commitBuild(db.pool, { workspaceId, transition: 'start', initiatorId: userId, ...extra });
  const finishJob = (jobId: string, error: string | null = null) =>
    db.pool.query('UPDATE provisioner_jobs SET started_at = now(), completed_at = now(), error = $2 WHERE id = $1', [jobId, error]);

  it('numbers builds latest + 1 with a new pending job, and the snapshot reads them back', async () => {
    const t = await insertTemplate(db.pool);
    const ws = await insertWorkspace(db.pool, userId, t.id);
    expect(await loadSnapshot(db.pool, ws)).toBeNull(); // no build yet
    const one = await first(ws, t.versionId);
    expect(one.buildNumber).toBe(1);
    expect(one.templateVersionId).toBe(t.versionId);
    const loaded = await loadSnapshot(db.pool, ws);
    expect(loaded).not.toBe(LOCKED);
    if (!loaded || loaded === LOCKED) throw new Error('unreachable');
    expect(loaded.snapshot.latestBuild).toMatchObject({ buildNumber: 1, transition: 'start' });
    expect(loaded.snapshot.latestJob.status).toBe('pending');
    expect(loaded.latestBuild.jobId).toBe(one.jobId);

    await finishJob(one.jobId);
    const second = await build(ws, {
      transition: 'stop',
      reason: 'autostop',
      createdAt: new Date('2030-05-06T07:08:00Z'),
      workflowId: 'workspace/x',
    });
    expect(second.buildNumber).toBe(2);
    const { rows } = await db.pool.query('SELECT created_at, workflow_id, reason FROM workspace_builds WHERE id = $1', [second.buildId]);
    expect(rows[0]).toEqual({ created_at: new Date('2030-05-06T07:08:00Z'), workflow_id: 'workspace/x', reason: 'autostop' });
  });

  it('refuses while the latest job is active ("a build is already active") and changes nothing', async () => {
    const t = await insertTemplate(db.pool);
    const ws = await insertWorkspace(db.pool, userId, t.id);
    await first(ws, t.versionId);
    await expect(build(ws, { transition: 'stop' })).rejects.toBeInstanceOf(BuildActiveError);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM workspace_builds WHERE workspace_id = $1', [ws]);
    expect(rows[0].n).toBe(1);
  });

  it('a build number another actor already took is a race lost (the unique build number), not a second build', async () => {
    const t = await insertTemplate(db.pool);
    const ws = await insertWorkspace(db.pool, userId, t.id);
    await finishJob((await first(ws, t.versionId)).jobId);
    await expect(first(ws, t.versionId)).rejects.toBeInstanceOf(BuildRaceError);
    await expect(build(ws, { transition: 'stop' })).resolves.toMatchObject({ buildNumber: 2 });
  });

  it('version: autostart uses the active version when the template requires it or updates are automatic', async () => {
    const t = await insertTemplate(db.pool, { require_active_version: true });
    const ws = await insertWorkspace(db.pool, userId, t.id);
    await finishJob((await first(ws, t.versionId)).jobId);
    const v2 = (await db.pool.query(`INSERT INTO template_versions (template_id, name) VALUES ($1, 'v2') RETURNING id`, [t.id])).rows[0].id;
    await db.pool.query('UPDATE templates SET active_version_id = $1 WHERE id = $2', [v2, t.id]);
    const stop = await build(ws, { transition: 'stop', reason: 'autostop' });
    expect(stop.templateVersionId).toBe(t.versionId); // not an autostart: keeps the latest build's version
    await finishJob(stop.jobId);
    const start = await build(ws, { transition: 'start', reason: 'autostart' });
    expect(start.templateVersionId).toBe(v2);

    const t2 = await insertTemplate(db.pool);
    const ws2 = await insertWorkspace(db.pool, userId, t2.id, { automatic_updates: 'always' });
    await finishJob((await first(ws2, t2.versionId)).jobId);
    const v3 = (await db.pool.query(`INSERT INTO template_versions (template_id, name) VALUES ($1, 'v3') RETURNING id`, [t2.id])).rows[0]
      .id;
    await db.pool.query('UPDATE templates SET active_version_id = $1 WHERE id = $2', [v3, t2.id]);
    await finishJob((await build(ws2, { transition: 'stop', reason: 'autostop' })).jobId);
    expect((await build(ws2, { transition: 'start', reason: 'initiator' })).templateVersionId).toBe(t2.versionId);
  });

  it("lock 'skip' reports a workspace held by another transaction as locked", async () => {
    const t = await insertTemplate(db.pool);
    const ws = await insertWorkspace(db.pool, userId, t.id);
    await first(ws, t.versionId);
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      expect(await loadSnapshot(holder, ws, { lock: 'wait' })).toMatchObject({ workspaceName: expect.any(String) });
      const other = await inTransaction(db.pool, (c) => loadSnapshot(c, ws, { lock: 'skip' }));
      expect(other).toBe(LOCKED);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect(await inTransaction(db.pool, (c) => loadSnapshot(c, ws, { lock: 'skip' }))).not.toBe(LOCKED);
  });
});
