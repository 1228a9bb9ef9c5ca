// The policy dry-run at scale (docs/rules.md#policy-dry-run-and-timeline): the benchmark's seeded
// population (bench/seed.ts) gathered into one template, then `templates.update(…, { dryRun: true })`
// through the operations module, as the CLI and the API call it: the one read of the template's
// workspaces, the projection of each under both policies, the report. Two changes: tightening the
// dormancy threshold (what the issue asks the dry-run for) and forcing a shorter TTL, which
// reaches every workspace that runs in the fortnight.
import { truncateToMinute } from '../../src/lifecycle/index.js';
import { createOps, type TemplateOptionsInput } from '../../src/ops/index.js';
import type { BenchContext } from '../lib/context.js';
import { seed } from '../seed.js';

export interface DryRunChangeRun {
  change: string;
  options: TemplateOptionsInput;
  seconds: number;
  workspaces: number;
  projected: number;
  changed: number;
  truncated: number;
  /** Wall time per workspace of the template, and per workspace projected (under both policies). */
  microsecondsPerWorkspace: number;
  microsecondsPerProjected: number | null;
}

export interface DryRunResult {
  workspaces: number;
  /** Seeding them (bench/seed.ts), kept here rather than in the seed section that the large scenarios share. */
  seedSeconds: number;
  days: number;
  runs: DryRunChangeRun[];
}

const CHANGES: Array<{ change: string; options: TemplateOptionsInput }> = [
  { change: 'dormancy threshold 90d → 30d', options: { timeTilDormant: '30d' } },
  { change: 'TTL forced to 4h (users may not set their own)', options: { allowUserAutostop: false, defaultTtl: '4h' } },
];

export async function runDryRun(ctx: BenchContext): Promise<DryRunResult> {
  const n = ctx.profile.dryRun.workspaces;
  const db = await ctx.database('dry-run');
  ctx.progress.update(`dry-run: seeding ${n.toLocaleString()} workspaces`);
  const seeded = await seed(db.pool, {
    workspaces: n,
    due: 0,
    at: truncateToMinute(new Date()),
    salt: `dry-run-${ctx.runId}`,
    onProgress: (done, total) => ctx.progress.update(`dry-run: seeding ${done.toLocaleString()} / ${total.toLocaleString()} workspaces`),
  });
  // One template holds them all (bench-template-4: 90-day dormancy), so that one dry-run covers every workspace.
  const { rows } = await db.pool.query<{ id: string }>(`SELECT id FROM templates WHERE name = 'bench-template-4'`);
  await db.pool.query('UPDATE workspaces SET template_id = $1', [rows[0]!.id]);
  await db.pool.query('VACUUM (ANALYZE) workspaces');
  const ops = createOps({ pool: db.pool, client: ctx.stack.client, taskQueue: `bench-dry-run-${ctx.runId}` });
  const runs: DryRunChangeRun[] = [];
  for (const { change, options } of CHANGES) {
    ctx.progress.update(`dry-run: ${change}`);
    const started = performance.now();
    const r = await ops.templates.update('bench-template-4', options, { dryRun: true });
    const seconds = (performance.now() - started) / 1000;
    runs.push({
      change,
      options,
      seconds,
      workspaces: r.workspaces,
      projected: r.projected,
      changed: r.changed,
      truncated: r.truncated,
      microsecondsPerWorkspace: (seconds * 1e6) / r.workspaces,
      microsecondsPerProjected: r.projected === 0 ? null : (seconds * 1e6) / r.projected,
    });
    ctx.progress.log(
      `dry-run ${change}: ${seconds.toFixed(2)} s for ${r.workspaces.toLocaleString()} workspaces ` +
        `(${r.projected.toLocaleString()} projected, ${r.changed.toLocaleString()} changed)`,
    );
  }
  return { workspaces: n, seedSeconds: seeded.seconds, days: 14, runs };
}
