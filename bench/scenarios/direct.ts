// The direct executor: what the rush costs without durability. The candidate
// query and the engine's own per-workspace evaluation (read, decide, build
// transaction; src/engine/evaluate-directly.ts) called from a plain Node loop
// with concurrency 10 — Coder's per-replica limit — and no Temporal at all.
import { truncateToMinute } from '../../src/lifecycle/index.js';
import type { BenchContext } from '../lib/context.js';
import { seconds } from '../lib/context.js';
import { evaluateWithoutTemporal, findCandidates } from '../lib/engine.js';
import { cpuMeter } from '../lib/proc.js';
import { resetData, seed } from '../seed.js';

export interface DirectRun {
  k: number;
  workspaces: number;
  seconds: number;
  transitions: number;
  transitionsPerSecond: number;
  postgresCpuSeconds: number | null;
}

const PAGE = 500; // the tick's page size

export async function runDirect(ctx: BenchContext, rep: number): Promise<DirectRun> {
  const { progress, profile } = ctx;
  const { workspaces: n, size, concurrency } = profile.direct;
  const k = size.k;
  const label = `direct k=${k} rep ${rep}`;
  // Its own pool, sized like the loop's concurrency.
  const db = await ctx.database('direct', concurrency);
  progress.update(`${label}: seeding ${n.toLocaleString()} workspaces`);
  await resetData(db.pool);
  const T = truncateToMinute(new Date());
  await seed(db.pool, { workspaces: n, due: k, at: T, salt: `direct-${ctx.runId}-${rep}` });

  const pgCpu = cpuMeter(ctx.stack.postgresCpuSeconds);
  const started = Date.now();
  // As Coder's executor: the candidates first, then the transactions, ten at a time.
  const ids: string[] = [];
  for (let afterId: string | null = null; ; ) {
    const page: string[] = await findCandidates(db.pool, { at: T, afterId, limit: PAGE });
    ids.push(...page);
    if (page.length < PAGE) break;
    afterId = page[page.length - 1]!;
  }
  let transitions = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, ids.length) }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        if (await evaluateWithoutTemporal(db.pool, id, T)) transitions++;
        if (transitions % 50 === 0) progress.update(`${label}: ${transitions}/${k} committed, ${seconds(started).toFixed(1)} s`);
      }
    }),
  );
  const elapsed = seconds(started);
  if (transitions !== k) throw new Error(`${label}: ${transitions} transitions, expected ${k}`);
  return { k, workspaces: n, seconds: elapsed, transitions, transitionsPerSecond: k / elapsed, postgresCpuSeconds: pgCpu.read() };
}
