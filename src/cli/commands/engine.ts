// The engine: `tick`, `schedule status|pause|resume`, `status` — the only
// commands that talk to Temporal themselves. `tick` goes through the same
// workflow the service runs, so it needs a worker; `schedule` and `status`
// talk to Temporal only.

import type { Client } from '@temporalio/client';
import { Command, Option } from 'commander';
import { formatDuration } from '../../lifecycle/index.js';
import type { Readiness } from '../../metrics/health.js';
import { lastCompletedTick, OpsError, pingDatabase } from '../../ops/index.js';
import {
  describeTickSchedule,
  pauseTickSchedule,
  resumeTickSchedule,
  TICK_SCHEDULE_ID,
  type TickScheduleStatus,
} from '../../runtime/schedule.js';
import { startManualTick } from '../../runtime/tick-client.js';
import type { TickStats } from '../../workflows/tick-stats.js';
import { action, emit } from '../command.js';
import type { CliContext, Temporal } from '../context.js';
import { CliError, firstLine, unavailable } from '../errors.js';
import { formatFields, formatInstant, formatRelative, formatTable } from '../format.js';
import { parseInstantArg, parsePositiveIntArg } from '../parse.js';
import { waitForWorkflow } from '../wait.js';

export function engineCommands(): Command[] {
  return [tickCommand(), scheduleCommand(), statusCommand()];
}

/** A link to a workflow in the Temporal Web UI, when the CLI knows where the UI is. */
function workflowLink(t: Temporal, workflowId: string): string | null {
  if (t.target.uiUrl === null) return null;
  return `${t.target.uiUrl}/namespaces/${encodeURIComponent(t.target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

function tickCommand(): Command {
  return new Command('tick')
    .description('run one tick now, or as of the given minute, through the tick workflow; prints its statistics')
    .addOption(
      new Option('--at <time>', 'the minute to evaluate, ISO-8601 with an offset (e.g. 2026-03-02T09:00:00+01:00)').argParser(
        parseInstantArg,
      ),
    )
    .option('--allow-future', 'allow --at later than now: the tick acts now on everything due before that minute (tests and demos)')
    .action(
      action(async (ctx, opts: { at?: Date; allowFuture?: boolean }) => {
        // "Now" is the database clock's minute: this machine's clock may be wrong.
        const at = await (await ctx.ops()).tickInstant(opts.at, { allowFuture: opts.allowFuture }).catch((err) => {
          throw err instanceof OpsError && err.code === 'invalid' ? new CliError(`${err.message} (--allow-future)`) : err;
        });
        const t = await ctx.requireWorker();
        const taskQueue = t.target.taskQueue;
        const handle = await startManualTick(t.client, taskQueue, at);
        const link = workflowLink(t, handle.workflowId);
        const stats = await waitForWorkflow<TickStats>(
          ctx,
          handle,
          `tick ${handle.workflowId}`,
          `the tick goes on in the engine: ${link ?? `workflow ${handle.workflowId}`}`,
          taskQueue,
        );
        emit(ctx, { ...stats, workflowId: handle.workflowId }, () => formatTick(stats, handle.workflowId, link));
      }),
    );
}

export function formatTick(s: TickStats, workflowId: string, link: string | null): string {
  const count = (o: Record<string, number | undefined>) =>
    Object.entries(o).length === 0
      ? 'none'
      : Object.entries(o)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
  const lines = [
    formatFields([
      ['tick', `${formatInstant(new Date(s.tick))} (${s.tick})`],
      ['workflow', link ?? workflowId],
      ['candidates', String(s.candidates)],
      ['transitions', count(s.transitions)],
      ['marked', `dormant ${s.marked.dormant}, reminded ${s.marked.reminded}`],
      ['unchanged', String(s.unchanged)],
      ['skipped', count(s.skipped)],
      ['errors', String(s.errors)],
      ['elapsed', `${s.elapsedMs} ms`],
    ]).trimEnd(),
  ];
  for (const [key, ids] of Object.entries(s.samples.transitions)) lines.push(`  ${key}: ${ids.join(', ')}`);
  for (const e of s.samples.errors) lines.push(`  error on ${e.workspaceId}: ${e.message}`);
  return `${lines.join('\n')}\n`;
}

function scheduleCommand(): Command {
  const schedule = new Command('schedule').description('the Temporal Schedule that starts a tick every minute');
  schedule
    .command('status')
    .description("show the schedule's state, recent and next runs")
    .addOption(scheduleIdOption())
    .action(
      action(async (ctx, opts: { scheduleId: string }) =>
        printSchedule(ctx, await requireSchedule((await ctx.temporal()).client, opts.scheduleId)),
      ),
    );
  for (const verb of ['pause', 'resume'] as const) {
    schedule
      .command(verb)
      .description(verb === 'pause' ? 'stop starting ticks (manual `tick` still works)' : 'start ticking every minute again')
      .option('--note <text>', 'why, shown by `schedule status` and in the Temporal UI')
      .addOption(scheduleIdOption())
      .action(
        action(async (ctx, opts: { note?: string; scheduleId: string }) => {
          const { client } = await ctx.temporal();
          await requireSchedule(client, opts.scheduleId);
          if (verb === 'pause') await pauseTickSchedule(client, opts.note, opts.scheduleId);
          else await resumeTickSchedule(client, opts.note, opts.scheduleId);
          printSchedule(ctx, await requireSchedule(client, opts.scheduleId));
        }),
      );
  }
  return schedule;
}

const scheduleIdOption = () => new Option('--schedule-id <id>', 'the schedule to act on').default(TICK_SCHEDULE_ID);

async function requireSchedule(client: Client, scheduleId: string): Promise<TickScheduleStatus> {
  const status = await describeTickSchedule(client, scheduleId);
  if (status === null) throw unavailable('the tick schedule does not exist yet: the service creates it when it starts (`npm start`)');
  return status;
}

function printSchedule(ctx: CliContext, s: TickScheduleStatus): void {
  emit(ctx, s, () => formatSchedule(s));
}

function formatSchedule(s: TickScheduleStatus): string {
  const now = new Date();
  const recent = s.recentActions.slice(-5).map((a) => `${formatInstant(new Date(a.scheduledAt))}  ${a.workflowId}`);
  return (
    formatFields([
      ['schedule', s.scheduleId],
      ['state', s.paused ? 'paused' : 'active'],
      ['note', s.note],
      ['task queue', s.taskQueue],
      ['overlap', `${s.overlap}, catch-up window ${formatDuration(s.catchupWindowMs)}`],
      [
        'runs',
        `${s.numActionsTaken} taken, ${s.numActionsSkippedOverlap} skipped (overlap), ${s.numActionsMissedCatchupWindow} missed (catch-up window)`,
      ],
      ['running', s.runningWorkflowIds.length ? s.runningWorkflowIds.join(', ') : 'none'],
      [
        'next',
        s.nextActionTimes
          .slice(0, 3)
          .map((t) => `${formatInstant(new Date(t))} (${formatRelative(new Date(t), now)})`)
          .join('; ') || 'none',
      ],
    ]) + (recent.length ? `recent:\n${recent.map((l) => `  ${l}`).join('\n')}\n` : '')
  );
}

interface Health {
  ok: boolean;
  database: {
    ok: boolean;
    url: string | null;
    error: string | null;
    /** The last tick the engine completed (docs/rules.md#catch-up-after-downtime), ISO-8601; null before the first. */
    lastCompletedTick: string | null;
  };
  temporal: {
    ok: boolean;
    address: string | null;
    namespace: string | null;
    taskQueue: string | null;
    uiUrl: string | null;
    workers: number;
    error: string | null;
  };
  /** What the worker's /readyz answered (the same checks: database, Temporal, its own Worker running); null when no URL is known. */
  readiness: (Pick<Partial<Readiness>, 'checks'> & { url: string; status: Readiness['status'] | 'unreachable'; error?: string }) | null;
  schedule: TickScheduleStatus | null;
  lastTicks: Array<TickStats & { workflowId: string }>;
}

function statusCommand(): Command {
  return new Command('status')
    .description("engine health: database, Temporal, workers, the schedule's recent and next runs, the last ticks' statistics")
    .addOption(new Option('--ticks <n>', 'how many recent ticks to show').argParser(parsePositiveIntArg).default(3))
    .addOption(scheduleIdOption())
    .option('--ready-url <url>', "the worker's /readyz to ask (default: the one `npm start` recorded in runtime.json)")
    .action(
      action(async (ctx, opts: { ticks: number; scheduleId: string; readyUrl?: string }) => {
        const health = await checkHealth(ctx, opts.ticks, opts.scheduleId, opts.readyUrl ?? ctx.readyUrl());
        emit(ctx, health, formatHealth);
        if (!health.ok) {
          const failing = [
            !health.database.ok && 'the database',
            !health.temporal.ok && 'Temporal',
            health.temporal.ok && health.temporal.workers === 0 && 'no worker polls the task queue',
            health.readiness !== null && health.readiness.status !== 'ready' && `the worker at ${health.readiness.url} is not ready`,
          ].filter(Boolean);
          throw unavailable(`unhealthy: ${failing.join(', ')}`);
        }
      }),
    );
}

async function checkHealth(ctx: CliContext, ticks: number, scheduleId: string, readyUrl: string | null): Promise<Health> {
  const health: Health = {
    ok: true,
    database: { ok: false, url: null, error: null, lastCompletedTick: null },
    temporal: { ok: false, address: null, namespace: null, taskQueue: null, uiUrl: null, workers: 0, error: null },
    readiness: readyUrl === null ? null : await askReadiness(readyUrl),
    schedule: null,
    lastTicks: [],
  };
  try {
    const pool = await ctx.db();
    await pingDatabase(pool);
    health.database.ok = true;
    health.database.lastCompletedTick = (await lastCompletedTick(pool))?.toISOString() ?? null;
  } catch (err) {
    health.database.error = firstLine(err);
  }
  health.database.url = ctx.databaseUrl();
  try {
    const t = await ctx.temporal();
    Object.assign(health.temporal, {
      address: t.target.address,
      namespace: t.target.namespace,
      taskQueue: t.target.taskQueue,
      uiUrl: t.target.uiUrl,
    });
    health.temporal.workers = await ctx.workerCount();
    health.temporal.ok = true;
    health.schedule = await describeTickSchedule(t.client, scheduleId);
    health.lastTicks = await recentTicks(t, ticks);
  } catch (err) {
    health.temporal.error ??= firstLine(err);
  }
  health.ok =
    health.database.ok &&
    health.temporal.ok &&
    health.temporal.workers > 0 &&
    (health.readiness === null || health.readiness.status === 'ready');
  return health;
}

/** The worker's own answer (src/metrics/health.ts): 200 ready, 503 with the failing checks. */
async function askReadiness(url: string): Promise<NonNullable<Health['readiness']>> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as Readiness;
    return { url, ...body };
  } catch (err) {
    return { url, status: 'unreachable', error: firstLine(err) };
  }
}

/** The statistics of the latest completed ticks, scheduled or manual, newest first. */
async function recentTicks(t: Temporal, n: number): Promise<Array<TickStats & { workflowId: string }>> {
  const found: Array<TickStats & { workflowId: string }> = [];
  if (n === 0) return found;
  const query = `WorkflowType = 'tick' AND ExecutionStatus = 'Completed' AND TaskQueue = '${t.target.taskQueue.replace(/'/g, "\\'")}'`;
  for await (const wf of t.client.workflow.list({ query, pageSize: n })) {
    const stats = (await t.client.workflow.getHandle(wf.workflowId, wf.runId).result()) as TickStats;
    found.push({ ...stats, workflowId: wf.workflowId });
    if (found.length >= n) break;
  }
  return found;
}

function formatReadiness(r: NonNullable<Health['readiness']>): string {
  if (r.checks === undefined) return `FAILING  ${r.url}  ${r.error ?? r.status}`;
  const { database, temporal, worker } = r.checks;
  const shown = (name: string, c: { ok: boolean; error?: string }) => `${name} ${c.ok ? 'ok' : `FAILING (${c.error ?? 'no answer'})`}`;
  const checks = [shown('database', database), shown('temporal', temporal), `worker ${worker.state}`].join(', ');
  return `${r.status === 'ready' ? 'ok' : 'FAILING'}  ${r.url}: ${checks}`;
}

function formatHealth(h: Health): string {
  const mark = (ok: boolean) => (ok ? 'ok' : 'FAILING');
  const lines = [
    formatFields([
      ['database', `${mark(h.database.ok)}  ${h.database.url ?? ''}${h.database.error ? `  ${h.database.error}` : ''}`],
      [
        'temporal',
        `${mark(h.temporal.ok)}  ${h.temporal.address ?? ''} namespace ${h.temporal.namespace ?? '-'}${h.temporal.error ? `  ${h.temporal.error}` : ''}`,
      ],
      [
        'workers',
        `${h.temporal.workers} polling task queue ${h.temporal.taskQueue ?? '-'}${h.temporal.ok && h.temporal.workers === 0 ? '  (start one with `npm start`)' : ''}`,
      ],
      ['web UI', h.temporal.uiUrl],
      [
        'last tick',
        h.database.lastCompletedTick === null ? 'none completed yet' : `${formatInstant(new Date(h.database.lastCompletedTick))} completed`,
      ],
      ['readiness', h.readiness === null ? 'not asked: no runtime.json names a worker here (--ready-url)' : formatReadiness(h.readiness)],
    ]).trimEnd(),
  ];
  lines.push(h.schedule === null ? 'schedule:  not created yet (the service creates it at start)' : formatSchedule(h.schedule).trimEnd());
  if (h.lastTicks.length > 0) {
    lines.push('last ticks:');
    lines.push(
      formatTable(
        ['TICK', 'CANDIDATES', 'TRANSITIONS', 'ERRORS', 'SKIPPED', 'ELAPSED', 'WORKFLOW'],
        h.lastTicks.map((s) => [
          formatInstant(new Date(s.tick)),
          String(s.candidates),
          Object.entries(s.transitions)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || '0',
          String(s.errors),
          String(Object.values(s.skipped).reduce((a, b) => a + (b ?? 0), 0)),
          `${s.elapsedMs} ms`,
          s.workflowId,
        ]),
      ).trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}
