// The edges of one evaluation (docs/rules.md#per-workspace-transaction,
// docs/rules.md#applying-a-decision-the-build-transaction): a real
// serialization failure, a build number taken by another actor, and a
// dormancy mark that waits for the stop build it needs. Each runs
// evaluateWorkspace on the real database and dev server; a tap on the
// evaluation's connection lets another real connection commit at the exact
// point between two of its statements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBuild } from '../../src/db/insert-build.js';
import type { Pool, PoolClient } from '../../src/db/pool.js';
import { type EngineDeps, evaluateWorkspace } from '../../src/engine/evaluate.js';
import { builds, createTemplate, createUser, createWorkspace, D, H, MIN, plus, type Template, workspaceRow } from './fixtures.js';
import { type Engine, jobsSettled, startEngine } from './harness.js';

const T = new Date('2024-03-05T18:00:00Z');

/** What a tapped pool saw on the evaluation's connections. */
interface Tap {
  /** Each statement, by its text or prepared-statement name. */
  statements: string[];
  /** SQLSTATE of each statement that failed. */
  failures: string[];
  /** Runs on the evaluation's connection before a statement is sent. */
  before?: (statement: string, client: PoolClient) => Promise<void>;
  /** Runs after a statement succeeded. */
  after?: (statement: string, client: PoolClient) => Promise<void>;
}

const label = (q: unknown): string =>
  typeof q === 'string' ? q : ((q as { name?: string; text: string }).name ?? (q as { text: string }).text);

/** The pool the evaluation uses, with every connection it takes wrapped by `tap`; all else is the real pool. */
function tapped(pool: Pool, tap: Tap): Pool {
  const wrap = (client: PoolClient): PoolClient =>
    new Proxy(client, {
      get(target, prop) {
        if (prop === 'query') {
          return async (q: unknown, values?: unknown) => {
            const statement = label(q);
            tap.statements.push(statement);
            await tap.before?.(statement, target);
            try {
              const result = await (target.query as (q: unknown, v?: unknown) => Promise<unknown>)(q, values);
              await tap.after?.(statement, target);
              return result;
            } catch (err) {
              tap.failures.push((err as { code?: string }).code ?? String(err));
              throw err;
            }
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'connect') return async () => wrap(await target.connect());
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const begins = (tap: Tap) => tap.statements.filter((s) => s.startsWith('BEGIN')).length;

describe('evaluation edges', () => {
  let engine: Engine;
  let owner: string;
  let template: Template;
  let n = 0;

  beforeAll(async () => {
    engine = await startEngine();
    await engine.startWorker();
    owner = await createUser(engine.db.pool);
    template = await createTemplate(engine.db.pool);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const deps = (pool: Pool): EngineDeps => ({ pool, client: engine.temporal.client, taskQueue: engine.taskQueue });
  const input = (id: string, at = T) => ({
    workspaceId: id,
    tick: at.toISOString(),
    workflowId: `workspace/${id}`,
    key: `edges/${id}/${n++}`,
  });

  /** A running workspace whose deadline passed before T: autostop is due. */
  const dueForAutostop = () =>
    createWorkspace(engine.db.pool, {
      ownerId: owner,
      template,
      lastUsedAt: plus(T, -H),
      build: { transition: 'start', createdAt: plus(T, -2 * H), deadline: plus(T, -MIN) },
    });

  it('per-workspace transaction: a serialization failure (a commit to the row after the snapshot) re-runs the evaluation, which makes one build', async () => {
    const id = await dueForAutostop();
    const tap: Tap = {
      statements: [],
      failures: [],
      async before(statement, client) {
        if (statement !== 'load-snapshot-skip' || begins(tap) !== 1) return;
        // The first attempt's snapshot is taken by a read before the lock ...
        await client.query('SELECT last_used_at FROM workspaces WHERE id = $1', [id]);
        // ... then a person's change to the workspace row commits on another connection.
        await engine.db.pool.query('UPDATE workspaces SET last_used_at = $2 WHERE id = $1', [id, plus(T, -30 * MIN)]);
      },
    };
    const outcome = await evaluateWorkspace(deps(tapped(engine.db.pool, tap)), input(id));
    expect(tap.failures).toEqual(['40001']);
    expect(begins(tap)).toBe(2);
    expect(outcome).toMatchObject({ kind: 'transition', transition: 'stop', reason: 'autostop', buildNumber: 2, error: null });
    const all = await builds(engine.db.pool, id);
    expect(all).toHaveLength(2);
    expect(all[1]).toMatchObject({ transition: 'stop', reason: 'autostop', createdAt: T, jobId: outcome.jobId });
    await jobsSettled(engine, [id]);
  });

  it('applying a decision: another actor that commits build latest + 1 between the read and the insert wins the race; the evaluation is a skip (race lost), not an error', async () => {
    const id = await dueForAutostop();
    const tap: Tap = {
      statements: [],
      failures: [],
      async after(statement) {
        if (statement !== 'load-snapshot-skip') return;
        // The evaluation holds the row lock and read build #1. An actor that does not go through
        // that lock commits #2: with triggers off (replica role) its insert neither touches the
        // workspace row nor takes the foreign key's share lock, so it does not wait for ours.
        const actor = await engine.db.pool.connect();
        try {
          await actor.query('BEGIN');
          await actor.query('SET LOCAL session_replication_role = replica');
          await insertBuild(actor, {
            workspaceId: id,
            buildNumber: 2,
            templateVersionId: template.versionId,
            transition: 'stop',
            reason: 'initiator',
            initiatorId: owner,
            workflowId: null,
            createdAt: null,
          });
          await actor.query('COMMIT');
        } finally {
          actor.release();
        }
      },
    };
    const outcome = await evaluateWorkspace(deps(tapped(engine.db.pool, tap)), input(id));
    expect(tap.statements).toContain('insert-build');
    expect(tap.failures).toEqual(['23505']);
    expect(begins(tap)).toBe(1);
    expect(outcome).toMatchObject({ kind: 'skipped', skipped: 'race lost', error: null, buildNumber: null, jobId: null });
    const all = await builds(engine.db.pool, id);
    expect(all).toHaveLength(2);
    expect(all[1]).toMatchObject({ buildNumber: 2, reason: 'initiator', workflowId: null });
  });

  it('dormancy waits for the stop build it needs: with the latest job running, the evaluation is an error (already active) and the workspace is not marked dormant', async () => {
    const dormancy = await createTemplate(engine.db.pool, { timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 30 * D });
    const id = await createWorkspace(engine.db.pool, {
      ownerId: owner,
      template: dormancy,
      lastUsedAt: plus(T, -8 * D),
      build: { transition: 'start', createdAt: plus(T, -2 * H), job: 'running' },
    });
    const outcome = await evaluateWorkspace(deps(engine.db.pool), input(id));
    expect(outcome).toMatchObject({
      kind: 'error',
      markedDormant: false,
      buildNumber: null,
      decision: { transition: 'stop', reason: 'dormancy', markDormant: true },
    });
    expect(outcome.error).toMatch(/already active/);
    expect(await workspaceRow(engine.db.pool, id)).toMatchObject({ dormantAt: null, deletingAt: null });
    expect(await builds(engine.db.pool, id)).toHaveLength(1);
    const notes = await engine.db.pool.query('SELECT kind FROM notifications WHERE workspace_id = $1', [id]);
    expect(notes.rows).toEqual([]);

    // Once the job has finished, the next tick makes the stop build and the mark, stamped with its T.
    const jobId = (await builds(engine.db.pool, id))[0]!.jobId;
    await engine.db.pool.query('UPDATE provisioner_jobs SET completed_at = $2 WHERE id = $1', [jobId, plus(T, 30 * 1000)]);
    const next = plus(T, MIN);
    const later = await evaluateWorkspace(deps(engine.db.pool), input(id, next));
    expect(later).toMatchObject({ kind: 'transition', transition: 'stop', reason: 'dormancy', markedDormant: true, buildNumber: 2 });
    expect(await workspaceRow(engine.db.pool, id)).toMatchObject({ dormantAt: next, deletingAt: plus(next, 30 * D) });
    await jobsSettled(engine, [id]);
  });
});
