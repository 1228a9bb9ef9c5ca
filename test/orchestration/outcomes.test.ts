// Each outcome of docs/rules.md#the-decision through the real engine: a manual tick at T on the
// dev server, the build transaction on PostgreSQL, the job run by the
// simulated provisioner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkflowId } from '../../src/builds/start-build.js';
import { findCandidates } from '../../src/db/sql/find-candidates.js';
import { REASON, TICK_TIME, TRANSITION, WORKSPACE_ID } from '../../src/workflows/search-attributes.js';
import type { TickStats } from '../../src/workflows/tick-stats.js';
import { builds, createTemplate, createUser, createWorkspace, D, H, MIN, plus, workspaceRow } from './fixtures.js';
import { type Engine, jobsSettled, startEngine } from './harness.js';

const T = new Date('2024-03-04T09:00:00Z'); // a Monday
const ws: Record<string, string> = {};

describe('a tick makes each transition of the decision once, stamped with T', () => {
  let engine: Engine;
  let stats: TickStats;
  let second: TickStats;
  let activeVersion: string;
  let oldVersion: string;

  beforeAll(async () => {
    engine = await startEngine();
    await engine.startWorker();
    const { pool } = engine.db;
    const owner = await createUser(pool);
    const plain = await createTemplate(pool);
    const dormancy = await createTemplate(pool, { timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 30 * D });
    const failure = await createTemplate(pool, { failureTtlMs: H });
    const remind = await createTemplate(pool, { autostopNotifyBeforeMs: 30 * MIN, activityBumpMs: 0 });
    const weekdays = await createTemplate(pool, { autostartAllowedDays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] });
    const pinned = await createTemplate(pool, { requireActiveVersion: true });
    oldVersion = pinned.versionId;
    const { rows } = await pool.query(
      `WITH v AS (INSERT INTO template_versions (template_id, name) VALUES ($1, 'v2') RETURNING id)
       UPDATE templates SET active_version_id = v.id FROM v WHERE templates.id = $1 RETURNING v.id`,
      [pinned.id],
    );
    activeVersion = rows[0].id;

    const lastUsedAt = plus(T, -H);
    const running = { transition: 'start' as const, createdAt: plus(T, -2 * H) };
    const stopped = { transition: 'stop' as const, createdAt: plus(T, -D) };
    const base = { ownerId: owner, template: plain, lastUsedAt, buildNumber: 3 };
    ws.autostop = await createWorkspace(pool, { ...base, build: { ...running, deadline: plus(T, -MIN) } });
    ws.autostart = await createWorkspace(pool, {
      ...base,
      template: pinned,
      autostartSchedule: '0 9 * * *',
      nextStartAt: T,
      build: { ...stopped, versionId: oldVersion },
    });
    ws.failedCleanup = await createWorkspace(pool, {
      ...base,
      template: failure,
      build: { ...running, job: 'failed', completedAt: plus(T, -2 * H) },
    });
    ws.dormantWithBuild = await createWorkspace(pool, { ...base, template: dormancy, lastUsedAt: plus(T, -8 * D), build: running });
    ws.dormantNoBuild = await createWorkspace(pool, { ...base, template: dormancy, lastUsedAt: plus(T, -8 * D), build: stopped });
    ws.autodelete = await createWorkspace(pool, {
      ...base,
      template: dormancy,
      lastUsedAt: plus(T, -60 * D),
      dormantAt: plus(T, -31 * D),
      deletingAt: plus(T, -D),
      build: stopped,
    });
    ws.reminder = await createWorkspace(pool, { ...base, template: remind, build: { ...running, deadline: plus(T, 20 * MIN) } });
    ws.recompute = await createWorkspace(pool, { ...base, autostartSchedule: '30 9 * * *', build: stopped });
    ws.blocked = await createWorkspace(pool, { ...base, template: weekdays, autostartSchedule: '0 9 * * 6', build: stopped });
    ws.unparsable = await createWorkspace(pool, { ...base, autostartSchedule: '0 9 * * 7', build: stopped });
    ws.buildActive = await createWorkspace(pool, { ...base, build: { ...running, deadline: plus(T, -MIN), job: 'running' } });

    stats = await engine.tick(T);
    await jobsSettled(
      engine,
      Object.values(ws).filter((id) => id !== ws.buildActive),
    );
    second = await engine.tick(T);
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
  });

  it('reports transitions by transition/reason, marks, errors and skips in the tick statistics', () => {
    expect(stats.tick).toBe(T.toISOString());
    expect(stats.transitions).toEqual({
      'stop/autostop': 2, // deadline passed; failed cleanup
      'start/autostart': 1,
      'stop/dormancy': 1,
      'delete/autodelete': 1,
    });
    expect(stats.marked).toEqual({ dormant: 2, reminded: 1 });
    expect(stats.skipped).toEqual({ blocked: 1 });
    expect(stats.errors).toBe(2);
    expect(stats.samples.errors.map((e) => e.workspaceId).sort()).toEqual([ws.buildActive, ws.unparsable].sort());
    expect(stats.samples.errors.find((e) => e.workspaceId === ws.buildActive)!.message).toMatch(/already active/);
    expect(stats.samples.errors.find((e) => e.workspaceId === ws.unparsable)!.message).toMatch(/does not parse/);
    expect(stats.samples.transitions['stop/autostop']!.sort()).toEqual([ws.autostop, ws.failedCleanup].sort());
    expect(stats.candidates).toBe(11);
    expect(stats.unchanged).toBe(1); // the NULL next_start_at, recomputed
    expect(stats.continuedAsNew).toBe(0);
  });

  it('autostop: build #4 stop/autostop at T, made by the workspace workflow, same version, run to completion', async () => {
    const b = (await builds(engine.db.pool, ws.autostop!)).at(-1)!;
    expect(b).toMatchObject({
      buildNumber: 4,
      transition: 'stop',
      reason: 'autostop',
      createdAt: T,
      workflowId: `workspace/${ws.autostop}`,
    });
    const { rows } = await engine.db.pool.query('SELECT completed_at, error FROM provisioner_jobs WHERE id = $1', [b.jobId]);
    expect(rows[0].completed_at).not.toBeNull();
    expect(rows[0].error).toBeNull();
  });

  it("a tick's build workflow starts eagerly, on the worker that made the build", async () => {
    const b = (await builds(engine.db.pool, ws.autostart!)).at(-1)!;
    const history = await engine.temporal.client.workflow.getHandle(buildWorkflowId(b.jobId)).fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    // The server handed the first workflow task back in the start response: no dispatch, no poll.
    expect(started.eagerExecutionAccepted).toBe(true);
  });

  it("a tick's build is found by TickTime, Transition and Reason; the evaluation adds no search-attribute event", async () => {
    const b = (await builds(engine.db.pool, ws.autostop!)).at(-1)!;
    const build = await engine.temporal.client.workflow.getHandle(buildWorkflowId(b.jobId)).describe();
    expect(build.typedSearchAttributes.get(TICK_TIME)).toEqual(T);
    expect(build.typedSearchAttributes.get(TRANSITION)).toBe('stop');
    expect(build.typedSearchAttributes.get(REASON)).toBe('autostop');
    expect(build.typedSearchAttributes.get(WORKSPACE_ID)).toBe(ws.autostop);
    // The evaluation's Transition/Reason upsert was one more event and visibility write per transition.
    const evaluation = await engine.temporal.client.workflow.getHandle(b.workflowId!).fetchHistory();
    const upserts = evaluation.events!.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes);
    expect(JSON.stringify(upserts)).toBe('[]');
    // The docs' filter for a minute's autostops (docs/orchestration.md). A range: equality on a
    // Datetime finds nothing on the dev server's SQLite visibility. Visibility is eventually consistent.
    const query = `WorkflowType = 'buildJob' AND Reason = 'autostop' AND TickTime >= '2024-03-04T09:00:00Z' AND TickTime < '2024-03-04T09:01:00Z'`;
    await expect.poll(async () => (await engine.temporal.client.workflow.count(query)).count, { timeout: 10_000 }).toBe(2);
  });

  it("an evaluation's history records the decision and its explanation in one local activity's result", async () => {
    const b = (await builds(engine.db.pool, ws.autostop!)).at(-1)!;
    const handle = engine.temporal.client.workflow.getHandle(b.workflowId!);
    const history = await handle.fetchHistory();
    const markers = history.events!.filter((e) => e.markerRecordedEventAttributes);
    // Read, decision and build transaction in one local activity: one marker, one workflow task.
    expect(markers).toHaveLength(1);
    expect(history.events!.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'transition', transition: 'stop', reason: 'autostop', buildNumber: 4 });
    expect(outcome.decision!.explanation).toMatch(/^autostop: /);
  });

  it('autostart with require_active_version builds the active version', async () => {
    const b = (await builds(engine.db.pool, ws.autostart!)).at(-1)!;
    expect(b).toMatchObject({ buildNumber: 4, transition: 'start', reason: 'autostart', createdAt: T, templateVersionId: activeVersion });
  });

  it('failed cleanup stops with reason autostop', async () => {
    expect((await builds(engine.db.pool, ws.failedCleanup!)).at(-1)).toMatchObject({
      buildNumber: 4,
      transition: 'stop',
      reason: 'autostop',
    });
  });

  it('dormancy of a running workspace: stop/dormancy, dormant_at = T, deleting_at = T + autodelete, outbox row', async () => {
    const { pool } = engine.db;
    expect((await builds(pool, ws.dormantWithBuild!)).at(-1)).toMatchObject({ transition: 'stop', reason: 'dormancy', createdAt: T });
    expect(await workspaceRow(pool, ws.dormantWithBuild!)).toMatchObject({ dormantAt: T, deletingAt: plus(T, 30 * D), nextStartAt: null });
    const { rows } = await pool.query('SELECT kind, dedupe_key, payload FROM notifications WHERE workspace_id = $1', [ws.dormantWithBuild]);
    expect(rows).toEqual([
      expect.objectContaining({ kind: 'workspace_dormant', dedupe_key: `dormant:${ws.dormantWithBuild}:${T.toISOString()}` }),
    ]);
    expect(rows[0].payload.deletingAt).toBe(plus(T, 30 * D).toISOString());
  });

  it('dormancy of a stopped workspace: only the mark, no build, not a transition', async () => {
    const { pool } = engine.db;
    expect(await builds(pool, ws.dormantNoBuild!)).toHaveLength(1);
    expect(await workspaceRow(pool, ws.dormantNoBuild!)).toMatchObject({ dormantAt: T, deletingAt: plus(T, 30 * D) });
  });

  it('autodelete: delete/autodelete, the outbox row, and the workspace deleted once the job succeeds', async () => {
    const { pool } = engine.db;
    const b = (await builds(pool, ws.autodelete!)).at(-1)!;
    expect(b).toMatchObject({ transition: 'delete', reason: 'autodelete', createdAt: T });
    expect((await workspaceRow(pool, ws.autodelete!)).deleted).toBe(true);
    const { rows } = await pool.query('SELECT kind, dedupe_key FROM notifications WHERE workspace_id = $1', [ws.autodelete]);
    expect(rows).toContainEqual({ kind: 'workspace_autodeleted', dedupe_key: expect.stringMatching(/^autodelete:/) });
  });

  it('reminder: stamps the deadline and writes one outbox row; no build', async () => {
    const { pool } = engine.db;
    const { rows } = await pool.query('SELECT deadline, notified_autostop_deadline FROM workspace_builds WHERE workspace_id = $1', [
      ws.reminder,
    ]);
    expect(rows).toEqual([{ deadline: plus(T, 20 * MIN), notified_autostop_deadline: plus(T, 20 * MIN) }]);
    const n = await pool.query('SELECT kind, dedupe_key FROM notifications WHERE workspace_id = $1', [ws.reminder]);
    expect(n.rows).toEqual([{ kind: 'autostop_reminder', dedupe_key: `reminder:${ws.reminder}:${plus(T, 20 * MIN).toISOString()}` }]);
  });

  it('a NULL next_start_at is recomputed from T and does not start in that tick', async () => {
    expect(await builds(engine.db.pool, ws.recompute!)).toHaveLength(1);
    expect((await workspaceRow(engine.db.pool, ws.recompute!)).nextStartAt).toEqual(plus(T, 30 * MIN));
  });

  it('a blocked autostart is recorded and reported once, then leaves the candidates', async () => {
    const { pool } = engine.db;
    expect((await workspaceRow(pool, ws.blocked!)).autostartBlocked).toMatch(/no occurrence on an allowed day/);
    expect((await workspaceRow(pool, ws.unparsable!)).autostartBlocked).toMatch(/does not parse/);
    const candidates = await findCandidates(pool, { at: plus(T, MIN), limit: 100 });
    expect(candidates).not.toContain(ws.blocked);
    expect(candidates).not.toContain(ws.unparsable);
  });

  it('a second tick at the same minute changes nothing: every rule excludes itself by state', async () => {
    expect(second.transitions).toEqual({});
    expect(second.marked).toEqual({ dormant: 0, reminded: 0 });
    // Still due, but its build is running: the documented refusal.
    expect(second.errors).toBe(1);
    expect(second.samples.errors[0]!.workspaceId).toBe(ws.buildActive);
    const { rows } = await engine.db.pool.query('SELECT count(*)::int AS n FROM workspace_builds WHERE created_at = $1', [T]);
    expect(rows[0].n).toBe(5);
  });
});
