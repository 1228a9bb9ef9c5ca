// The candidate query on its own: timings over many runs, its plan, and the
// large database shared by the idle-tick and query-scaling scenarios.
import type { Pool } from '../../src/db/pool.js';
import { truncateToMinute } from '../../src/lifecycle/index.js';
import type { BenchContext, BenchDatabase } from '../lib/context.js';
import { candidateQueryValues, FIND_CANDIDATES_SQL, findCandidates } from '../lib/engine.js';
import { percentile } from '../lib/stats.js';
import { seed } from '../seed.js';

export const TICK_PAGE = 500; // the tick's page size (AUTOBUILD_TICK_PAGE_SIZE default)

export interface QueryTiming {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  runs: number;
  rows: number;
}

/** The first page of candidates at `at`, timed over `runs` runs after 5 unmeasured ones. */
export async function timeCandidateQuery(pool: Pool, at: Date, runs: number): Promise<QueryTiming> {
  let rows = 0;
  for (let i = 0; i < 5; i++) rows = (await findCandidates(pool, { at, limit: TICK_PAGE })).length;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await findCandidates(pool, { at, limit: TICK_PAGE });
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), meanMs: ms.reduce((a, b) => a + b, 0) / ms.length, runs, rows };
}

export interface Plan {
  text: string;
  /** Sequential scans of the big tables (must be none). */
  seqScans: string[];
  executionMs: number | null;
}

export async function explainCandidateQuery(pool: Pool, at: Date): Promise<Plan> {
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS) ${FIND_CANDIDATES_SQL}`,
    candidateQueryValues({ at, limit: TICK_PAGE }),
  );
  const text = rows.map((r) => r['QUERY PLAN']).join('\n');
  const seqScans = [...text.matchAll(/Seq Scan on (workspaces|workspace_builds|provisioner_jobs)\b[^\n]*/g)].map((m) => m[0].trim());
  const exec = /Execution Time: ([\d.]+) ms/.exec(text);
  return { text, seqScans, executionMs: exec ? Number(exec[1]) : null };
}

export interface LargeDatabase {
  db: BenchDatabase;
  at: Date;
  workspaces: number;
  /** How many are due at `at` now (0 as seeded; scaling adds some). */
  due: number;
}

/** The idle scenario's database (N = profile.idle.workspaces, none due), seeded once per run. */
export async function largeDatabase(ctx: BenchContext): Promise<LargeDatabase> {
  const existing = largeByContext.get(ctx);
  if (existing) return existing;
  const n = ctx.profile.idle.workspaces;
  const db = await ctx.database('large');
  const at = truncateToMinute(new Date());
  ctx.progress.update(`seeding ${n.toLocaleString()} workspaces`);
  const result = await seed(db.pool, {
    workspaces: n,
    due: 0,
    at,
    salt: `large-${ctx.runId}`,
    onProgress: (done, total) => ctx.progress.update(`seeding ${done.toLocaleString()} / ${total.toLocaleString()} workspaces`),
  });
  ctx.seeds[`n${n}`] = { workspaces: n, due: 0, seconds: result.seconds };
  ctx.progress.log(`seeded ${n.toLocaleString()} workspaces in ${result.seconds.toFixed(1)} s`);
  const large = { db, at, workspaces: n, due: 0 };
  largeByContext.set(ctx, large);
  return large;
}

const largeByContext = new WeakMap<BenchContext, LargeDatabase>();
