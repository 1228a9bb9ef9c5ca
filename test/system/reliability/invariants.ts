// The one checker of the reliability suite (docs/reliability.md): after every
// case it reads the engine's database and Temporal and reports each broken
// invariant as one line.
//
// - I1: at most one build per (workspace, due instant); build numbers contiguous per workspace.
//   An automatic build's created_at is its tick's minute (src/engine/evaluate.ts), so two
//   automatic builds of a workspace with the same created_at are one due instant built twice.
//   Two automatic builds in a row with the same transition, the first of which did not fail,
//   are a transition applied twice (a start on a started workspace) whatever their ticks.
//   `expectOnce` names transitions the case made due: each is built exactly once.
// - I2: no build for a workspace that was not eligible when its transaction committed: every
//   automatic build was decided by the pure core in the same transaction (its evaluation,
//   written with it, holds the decision for that build number, transition and reason), and no
//   workspace of `neverEligible` has an automatic build.
// - I3: every workspace due during or before an outage transitions at the first tick after
//   recovery (`dueAtRecovery`): the build's created_at is that tick. An autostart may carry its
//   template's catch-up policy and due instant (docs/rules.md#catch-up-after-downtime): under
//   `none`, or `latest` with the due instant more than the window before that tick, it must not
//   start at all (unless it was due less than the grace before the tick: not downtime).
// - I4: expected races are neither errors nor failed workflows: the ticks' statistics hold no
//   error beyond `expectedErrors`, skips only under the documented reasons, and no workflow of
//   the task queue failed, timed out or was terminated (except those `allowFailed` accepts).
// - I5: afterwards, once the engine settled: no lock held and no transaction open by another
//   session, no workflow of the task queue still running, no provisioner job pending or running.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { CATCHUP_GRACE_MS, type CatchupPolicy } from '../../../src/lifecycle/index.js';
import type { TickStats } from '../../../src/workflows/tick-stats.js';

/** The skip reasons the engine reports (src/engine/outcome.ts), as listed in docs/reliability.md. */
export const SKIP_REASONS = ['lock held', 'already running', 'blocked', 'race lost', 'gone', 'catch-up'] as const;

type Transition = 'start' | 'stop' | 'delete';

/** I3: an autostart's catch-up setting and the instant it fell due (docs/rules.md#catch-up-after-downtime). */
export interface CatchupExpectation {
  policy: CatchupPolicy;
  /** The window of `latest`. */
  windowMs?: number;
  /** When the autostart fell due, during the outage. */
  due: Date;
}

export interface InvariantInput {
  /** The engine's database. */
  pool: Pool;
  /** A client of the engine's Temporal namespace. */
  client: Client;
  /** The engine's task queue: its workflows are the ones checked. */
  taskQueue: string;
  /** Builds created before this instant (by created_at, which is the tick for automatic builds) are ignored by I1–I3. */
  since?: Date;
  /** I1: transitions the case made due: each exactly one automatic build of that transition (and reason, when given). */
  expectOnce?: Array<{ workspaceId: string; transition: Transition; reason?: string }>;
  /** I2: workspaces never eligible during the case: no automatic build at all. */
  neverEligible?: string[];
  /**
   * I3: workspaces due during or before an outage, each transitioning at `firstTick`, the first tick after recovery;
   * an autostart with `catchup` only when its policy lets it (absent = `all`: always).
   */
  dueAtRecovery?: {
    firstTick: Date;
    workspaces: Array<{ workspaceId: string; transition: Transition; catchup?: CatchupExpectation }>;
  };
  /** I4: the statistics of the ticks the case ran. */
  ticks?: TickStats[];
  /** I4: errors the case expects in those ticks (bad rows, injected faults): a number or 'any'. Default 0. */
  expectedErrors?: number | 'any';
  /** I4: failed, timed-out or terminated workflows the case expects (an evaluation of invalid data fails its run by design). */
  allowFailed?: (workflowId: string, status: string) => boolean;
  /** I5: how long to wait for the engine to settle (no running workflow, no unfinished job) before checking. Default 90 s. */
  settleMs?: number;
}

export interface InvariantReport {
  violations: string[];
  builds: number;
  automaticBuilds: number;
  workspaces: number;
  failedWorkflows: string[];
}

interface BuildRow {
  workspace_id: string;
  build_number: number;
  transition: Transition;
  reason: string;
  created_at: Date;
  workflow_id: string | null;
  job_status: string;
}

export async function checkInvariants(input: InvariantInput): Promise<InvariantReport> {
  const violations: string[] = [];
  await settle(input);

  const { rows: builds } = await input.pool.query<BuildRow>(
    `SELECT b.workspace_id, b.build_number, b.transition, b.reason, b.created_at, b.workflow_id,
            job_status(j.started_at, j.completed_at, j.canceled_at, j.error) AS job_status
       FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
      ORDER BY b.workspace_id, b.build_number`,
  );
  const since = input.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const automatic = (b: BuildRow) => b.reason !== 'initiator';
  const recent = (b: BuildRow) => b.created_at.getTime() >= since;
  const byWorkspace = new Map<string, BuildRow[]>();
  for (const b of builds) {
    const list = byWorkspace.get(b.workspace_id) ?? [];
    list.push(b);
    byWorkspace.set(b.workspace_id, list);
  }

  // I1
  for (const [ws, list] of byWorkspace) {
    list.forEach((b, i) => {
      if (b.build_number !== i + 1)
        violations.push(`I1: workspace ${ws}: build numbers not contiguous (#${b.build_number} at position ${i + 1})`);
    });
    const seen = new Map<number, BuildRow>();
    for (const b of list.filter((x) => automatic(x) && recent(x))) {
      const other = seen.get(b.created_at.getTime());
      if (other) {
        violations.push(
          `I1: workspace ${ws}: builds #${other.build_number} (${other.transition}/${other.reason}) and #${b.build_number} (${b.transition}/${b.reason}) at the same tick ${b.created_at.toISOString()}`,
        );
      }
      seen.set(b.created_at.getTime(), b);
    }
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1]!, list[i]!];
      if (automatic(a) && automatic(b) && recent(b) && a.transition === b.transition && a.job_status !== 'failed') {
        violations.push(
          `I1: workspace ${ws}: ${b.transition} applied twice: #${a.build_number} (${a.reason}, ${a.job_status}) then #${b.build_number} (${b.reason}) at ${b.created_at.toISOString()}`,
        );
      }
    }
  }
  for (const e of input.expectOnce ?? []) {
    const made = (byWorkspace.get(e.workspaceId) ?? []).filter(
      (b) => automatic(b) && recent(b) && b.transition === e.transition && (e.reason === undefined || b.reason === e.reason),
    );
    if (made.length !== 1) {
      violations.push(
        `I1: workspace ${e.workspaceId}: ${made.length} automatic ${e.transition}${e.reason ? `/${e.reason}` : ''} builds, expected exactly 1`,
      );
    }
  }

  // I2: each automatic build's evaluation, committed with it, decided that very build.
  const { rows: decided } = await input.pool.query<{ workspace_id: string; build_number: number; transition: string; reason: string }>(
    `SELECT workspace_id, (outcome->>'buildNumber')::int AS build_number, outcome->>'transition' AS transition, outcome->>'reason' AS reason
       FROM evaluations WHERE outcome->>'kind' = 'transition'`,
  );
  const decidedKeys = new Set(decided.map((d) => `${d.workspace_id}#${d.build_number}/${d.transition}/${d.reason}`));
  for (const b of builds.filter((x) => automatic(x) && recent(x))) {
    if (!decidedKeys.has(`${b.workspace_id}#${b.build_number}/${b.transition}/${b.reason}`)) {
      violations.push(
        `I2: workspace ${b.workspace_id}: automatic build #${b.build_number} (${b.transition}/${b.reason}) has no evaluation that decided it in its transaction`,
      );
    }
  }
  for (const ws of input.neverEligible ?? []) {
    const made = (byWorkspace.get(ws) ?? []).filter((b) => automatic(b) && recent(b));
    for (const b of made)
      violations.push(`I2: workspace ${ws} was never eligible but got build #${b.build_number} (${b.transition}/${b.reason})`);
  }

  // I3
  if (input.dueAtRecovery) {
    const first = input.dueAtRecovery.firstTick.getTime();
    for (const d of input.dueAtRecovery.workspaces) {
      const made = (byWorkspace.get(d.workspaceId) ?? []).filter((b) => automatic(b) && b.transition === d.transition && recent(b));
      const atFirst = made.filter((b) => b.created_at.getTime() === first);
      if (d.transition === 'start' && d.catchup !== undefined && !catchesUp(d.catchup, input.dueAtRecovery.firstTick)) {
        for (const b of made.filter((x) => x.created_at.getTime() >= first)) {
          violations.push(
            `I3: workspace ${d.workspaceId}: autostart due ${d.catchup.due.toISOString()} fell due while down and catch-up ${d.catchup.policy} skips it, but build #${b.build_number} started it at ${b.created_at.toISOString()}`,
          );
        }
        continue;
      }
      if (atFirst.length !== 1) {
        const when = made.map((b) => b.created_at.toISOString()).join(', ') || 'never';
        violations.push(
          `I3: workspace ${d.workspaceId}: due ${d.transition} was built ${atFirst.length} times at the first tick after recovery ${input.dueAtRecovery.firstTick.toISOString()} (automatic ${d.transition} builds at: ${when})`,
        );
      }
    }
  }

  // I4
  const ticks = input.ticks ?? [];
  const errors = ticks.reduce((n, t) => n + t.errors, 0);
  const expectedErrors = input.expectedErrors ?? 0;
  if (expectedErrors !== 'any' && errors > expectedErrors) {
    const samples = ticks.flatMap((t) => t.samples.errors.map((e) => `${t.tick} ${e.workspaceId}: ${e.message}`)).slice(0, 5);
    violations.push(`I4: ${errors} evaluation errors in the ticks, expected at most ${expectedErrors}: ${samples.join(' | ')}`);
  }
  for (const t of ticks) {
    for (const reason of Object.keys(t.skipped)) {
      if (!(SKIP_REASONS as readonly string[]).includes(reason))
        violations.push(`I4: tick ${t.tick}: skip reason "${reason}" is not a documented one`);
    }
  }
  const failedWorkflows: string[] = [];
  for await (const wf of input.client.workflow.list({
    query: `TaskQueue = '${input.taskQueue}' AND ExecutionStatus IN ('Failed', 'TimedOut', 'Terminated')`,
  })) {
    failedWorkflows.push(`${wf.workflowId} (${wf.status.name})`);
    if (!input.allowFailed?.(wf.workflowId, wf.status.name)) violations.push(`I4: workflow ${wf.workflowId} ended ${wf.status.name}`);
  }

  // I5: a session counts only when it holds the same transaction across three reads a second
  // apart — a worker's periodic sweep may be mid-statement at any instant and is not "left".
  for (const v of await lingering(input.pool)) violations.push(`I5: ${v}`);
  const running = await runningWorkflows(input);
  for (const id of running) violations.push(`I5: workflow ${id} still running`);
  const unfinished = await unfinishedJobs(input.pool);
  if (unfinished > 0) violations.push(`I5: ${unfinished} provisioner jobs still pending or running`);

  return {
    violations,
    builds: builds.length,
    automaticBuilds: builds.filter(automatic).length,
    workspaces: byWorkspace.size,
    failedWorkflows,
  };
}

/** docs/rules.md#catch-up-after-downtime, as the rules state it: whether an autostart that fell due while down starts at `firstTick`. */
function catchesUp(c: CatchupExpectation, firstTick: Date): boolean {
  const late = firstTick.getTime() - c.due.getTime();
  if (c.policy === 'all' || late < CATCHUP_GRACE_MS) return true;
  return c.policy === 'latest' && late <= (c.windowMs ?? 0);
}

/** checkInvariants, throwing one error that lists every violation. */
export async function assertInvariants(input: InvariantInput): Promise<InvariantReport> {
  const report = await checkInvariants(input);
  if (report.violations.length > 0) {
    const shown = report.violations.slice(0, 30);
    const more = report.violations.length - shown.length;
    throw new Error(`${report.violations.length} invariant violations:\n${shown.join('\n')}${more > 0 ? `\n… and ${more} more` : ''}`);
  }
  return report;
}

async function lingering(pool: Pool): Promise<string[]> {
  const reads: Map<string, string>[] = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000));
    const { rows } = await pool.query<{ pid: number; xact_start: Date; state: string; query: string; locks: string | null }>(
      `SELECT a.pid, a.xact_start, a.state, left(a.query, 120) AS query,
              (SELECT string_agg(l.mode || ' ' || l.locktype || COALESCE(' on ' || l.relation::regclass::text, ''), ', ')
                 FROM pg_locks l WHERE l.pid = a.pid AND l.granted AND l.locktype <> 'virtualxid') AS locks
         FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL`,
    );
    reads.push(
      new Map(
        rows.map((r) => [
          `${r.pid}@${r.xact_start.toISOString()}`,
          `session ${r.pid} has a transaction open since ${r.xact_start.toISOString()} (${r.state}${r.locks ? `; holds ${r.locks}` : ''}): ${r.query}`,
        ]),
      ),
    );
  }
  return [...reads[0]!].filter(([key]) => reads.every((m) => m.has(key))).map(([, text]) => text);
}

async function runningWorkflows(input: InvariantInput): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of input.client.workflow.list({ query: `TaskQueue = '${input.taskQueue}' AND ExecutionStatus = 'Running'` })) {
    ids.push(wf.workflowId);
  }
  return ids;
}

async function unfinishedJobs(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM provisioner_jobs WHERE completed_at IS NULL');
  return rows[0]!.n;
}

/** Waits until nothing of the engine is in flight: the checks of I5 are then about what was left behind. */
async function settle(input: InvariantInput): Promise<void> {
  const until = Date.now() + (input.settleMs ?? 90_000);
  while (Date.now() < until) {
    if ((await runningWorkflows(input)).length === 0 && (await unfinishedJobs(input.pool)) === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
