// Query scaling: the candidate query with the same number due among ever more
// workspaces. Proportional to the candidates, its time stays flat.

import { truncateToMinute } from '../../src/lifecycle/index.js';
import type { BenchContext, BenchDatabase } from '../lib/context.js';
import { makeDue, seed } from '../seed.js';
import { largeDatabase, type QueryTiming, timeCandidateQuery } from './queries.js';

export interface ScalingRun {
  /** By size label (n10k, n100k, n1m). */
  sizes: Record<string, QueryTiming & { workspaces: number }>;
  ratio: number;
}

interface SizedDatabase {
  db: BenchDatabase;
  at: Date;
}

export async function prepareScaling(ctx: BenchContext): Promise<Map<string, SizedDatabase>> {
  const { profile, progress } = ctx;
  const out = new Map<string, SizedDatabase>();
  for (const size of profile.scaling.sizes) {
    if (size.workspaces === profile.idle.workspaces) {
      // The idle scenario's database, with `due` made due (after the idle scenario ran).
      const large = await largeDatabase(ctx);
      if (large.due === 0) large.due = await makeDue(large.db.pool, large.at, profile.scaling.due);
      out.set(size.label, { db: large.db, at: large.at });
      continue;
    }
    const db = await ctx.database(`scale_${size.label}`);
    const at = truncateToMinute(new Date());
    progress.update(`scaling: seeding ${size.workspaces.toLocaleString()} workspaces`);
    const r = await seed(db.pool, { workspaces: size.workspaces, due: profile.scaling.due, at, salt: `scale-${ctx.runId}-${size.label}` });
    ctx.seeds[`n${size.workspaces}`] ??= { workspaces: size.workspaces, due: profile.scaling.due, seconds: r.seconds };
    out.set(size.label, { db, at });
  }
  return out;
}

export async function runScaling(ctx: BenchContext, dbs: Map<string, SizedDatabase>, rep: number): Promise<ScalingRun> {
  const { profile, progress } = ctx;
  const sizes: ScalingRun['sizes'] = {};
  for (const size of profile.scaling.sizes) {
    const { db, at } = dbs.get(size.label)!;
    progress.update(`scaling rep ${rep}: ${size.label} × ${profile.scaling.queryRuns}`);
    const t = await timeCandidateQuery(db.pool, at, profile.scaling.queryRuns);
    if (t.rows !== profile.scaling.due) throw new Error(`scaling ${size.label}: ${t.rows} candidates, expected ${profile.scaling.due}`);
    sizes[size.label] = { ...t, workspaces: size.workspaces };
  }
  const first = sizes[profile.scaling.sizes[0]!.label]!;
  const last = sizes[profile.scaling.sizes.at(-1)!.label]!;
  return { sizes, ratio: last.p50Ms / first.p50Ms };
}
