// `autobuild workspace ...`: create, list, show, start/stop/delete, schedule,
// TTL, extend, activity, dormancy and cancel. Commands that create a build
// wait for its job and print the outcome unless --no-wait.
import { Argument, Command, Option } from 'commander';
import { describePause, formatDuration } from '../../lifecycle/index.js';
import type { BuildRecord, Ops, WorkspaceDetails } from '../../ops/index.js';
import { buildJson, workspaceJson, workspaceSummaryJson } from '../../ops/json.js';
import { action, emit, note } from '../command.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatDurationOrOff, formatFields, formatInstant, formatRelative } from '../format.js';
import { printPages } from '../pages.js';
import { parseDurationArg, parseWorkspaceRef } from '../parse.js';
import { type StartedBuild, waitForBuild } from '../wait.js';
import { addPauseCommands } from './calendars.js';
import { formatPreview } from './explain.js';
import { addTimelineCommand } from './projections.js';
import { addReminderActionCommands } from './reminder-actions.js';

const SCHEDULE_HELP = 'a weekly schedule, e.g. "CRON_TZ=Europe/Berlin 30 8 * * mon-fri" (no prefix = UTC)';

/** `alice/dev`, checked for shape here (the operations module checks that it exists). */
export const workspaceArgument = () =>
  new Argument('<owner/name>', 'the workspace, e.g. alice/dev').argParser((text: string) => {
    const r = parseWorkspaceRef(text);
    return `${r.owner}/${r.name}`;
  });
const durationArgument = () => new Argument('<duration>', 'e.g. 8h, 30m, 1h30m').argParser(parseDurationArg);

export function workspaceCommand(): Command {
  const ws = new Command('workspace').description('manage workspaces, their schedules and deadlines');

  ws.command('create')
    .addArgument(workspaceArgument())
    .description('create a workspace and run its first start build')
    .requiredOption('--template <name>', 'the template it is built from')
    .option('--autostart <schedule>', SCHEDULE_HELP)
    .option('--ttl <duration>', "stop this long after each start (1m to 30d); default: the template's default TTL", parseDurationArg)
    .addOption(
      new Option('--automatic-updates <mode>', 'always: autostarts build the active template version').choices(['always', 'never']),
    )
    .option('--no-wait', 'return once the build is queued')
    .action(
      action(
        async (
          ctx,
          workspace: string,
          opts: { template: string; autostart?: string; ttl?: number; automaticUpdates?: 'always' | 'never'; wait: boolean },
        ) => {
          const [owner, name] = workspace.split('/') as [string, string];
          const ops = await ctx.ops(opts.wait ? 'worker' : 'connect');
          const started = await ops.workspaces.create({
            owner,
            name,
            template: opts.template,
            autostartSchedule: opts.autostart ?? null,
            ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}),
            ...(opts.automaticUpdates ? { automaticUpdates: opts.automaticUpdates } : {}),
          });
          if (started.warning && !ctx.json) note(`warning: ${started.warning}`);
          await reportBuild(ctx, ops, started, opts.wait, started.warning);
        },
      ),
    );

  ws.command('list')
    .description('list workspaces')
    .option('--owner <username>', "only this user's workspaces")
    .option('--template <name>', "only this template's workspaces")
    .option('--deleted', 'include deleted workspaces')
    .action(
      action(async (ctx, opts: { owner?: string; template?: string; deleted?: boolean }) => {
        const ops = await ctx.ops();
        const filter = { owner: opts.owner, template: opts.template, includeDeleted: opts.deleted === true };
        await printPages(ctx, {
          next: (cursor) => ops.workspaces.list(filter, { cursor }),
          json: workspaceSummaryJson,
          headers: ['WORKSPACE', 'TEMPLATE', 'STATUS', 'AUTOSTART', 'DEADLINE', 'NEXT START'],
          row: (w) => [
            `${w.owner}/${w.name}`,
            w.template,
            w.dormantAt ? `${w.status}, dormant` : w.status,
            w.autostartSchedule ?? '-',
            w.transition === 'start' ? formatInstant(w.deadline) : '-',
            formatInstant(w.nextStartAt),
          ],
        });
      }),
    );

  ws.command('show')
    .addArgument(workspaceArgument())
    .description('show a workspace, its latest build and what happens next')
    .action(
      action(async (ctx, workspace: string) => {
        const ops = await ctx.ops();
        const w = await ops.workspaces.get(workspace);
        emit(ctx, workspaceJson(w), () => formatWorkspace(w));
      }),
    );

  for (const transition of ['start', 'stop', 'delete'] as const) {
    ws.command(transition)
      .addArgument(workspaceArgument())
      .description(
        transition === 'start'
          ? 'start a workspace (a dormant one is woken first)'
          : transition === 'stop'
            ? 'stop a workspace'
            : 'delete a workspace (a delete build; marked deleted when it succeeds)',
      )
      .option('--no-wait', 'return once the build is queued')
      .action(
        action(async (ctx, workspace: string, opts: { wait: boolean }) => {
          const ops = await ctx.ops(opts.wait ? 'worker' : 'connect');
          const started = await ops.workspaces[transition](workspace);
          await reportBuild(ctx, ops, started, opts.wait, null);
        }),
      );
  }

  const schedule = ws.command('schedule').description('the autostart schedule');
  schedule
    .command('set')
    .addArgument(workspaceArgument())
    .argument('<schedule>', SCHEDULE_HELP)
    .description(`set the autostart schedule: ${SCHEDULE_HELP}`)
    .action(action(async (ctx, workspace: string, spec: string) => setAutostart(ctx, workspace, spec)));
  schedule
    .command('clear')
    .addArgument(workspaceArgument())
    .description('remove the autostart schedule')
    .action(action(async (ctx, workspace: string) => setAutostart(ctx, workspace, null)));

  const ttl = ws.command('ttl').description('the time to live after each start');
  ttl
    .command('set')
    .addArgument(workspaceArgument())
    .addArgument(durationArgument())
    .description('stop this long after each start (1m to 30d); applies from the next build')
    .action(action(async (ctx, workspace: string, ms: number) => setTtl(ctx, workspace, ms)));
  ttl
    .command('clear')
    .addArgument(workspaceArgument())
    .description("remove the TTL; a running build's deadline becomes its max deadline (none if unset)")
    .action(action(async (ctx, workspace: string) => setTtl(ctx, workspace, null)));

  ws.command('extend')
    .addArgument(workspaceArgument())
    .addArgument(durationArgument())
    .description('set the deadline of the running build to now + duration (at least 30m; not past the max deadline)')
    .action(
      action(async (ctx, workspace: string, by: number) => {
        const ops = await ctx.ops();
        const { deadline } = await ops.workspaces.extend(workspace, by);
        emit(
          ctx,
          { workspace, deadline: deadline.toISOString() },
          () => `${workspace}: deadline ${formatInstant(deadline)} (${formatRelative(deadline, new Date())})\n`,
        );
      }),
    );

  addReminderActionCommands(ws);
  addTimelineCommand(ws);

  ws.command('activity')
    .addArgument(workspaceArgument())
    .option('--source <source>', 'what saw the activity (ssh, vscode, …)', 'cli')
    .description(
      'report activity (an open session): refreshes last use and may bump the deadline; a report within a minute of the last one is coalesced',
    )
    .action(
      action(async (ctx, workspace: string, opts: { source: string }) => {
        const ops = await ctx.ops();
        const r = await ops.activity.reportOne({ workspace, source: opts.source });
        emit(
          ctx,
          {
            workspace,
            lastUsedAt: r.lastUsedAt.toISOString(),
            deadline: r.deadline?.toISOString() ?? null,
            bumped: r.bumped,
            coalesced: r.coalesced,
          },
          () =>
            `${workspace}: ${r.coalesced ? 'activity already recorded within the minute' : 'activity recorded'} at ${formatInstant(r.lastUsedAt)}; ` +
            (r.bumped
              ? `deadline bumped to ${formatInstant(r.deadline)}\n`
              : `deadline ${r.deadline ? `unchanged at ${formatInstant(r.deadline)}` : 'not set'}\n`),
        );
      }),
    );

  for (const [verb, dormant] of [
    ['dormant', true],
    ['wake', false],
  ] as const) {
    ws.command(verb)
      .addArgument(workspaceArgument())
      .description(
        dormant
          ? "mark a workspace dormant now (it is deleted after the template's autodelete time)"
          : 'clear dormancy: not dormant, last used now',
      )
      .action(
        action(async (ctx, workspace: string) => {
          const ops = await ctx.ops();
          const r = await ops.workspaces.setDormant(workspace, dormant);
          emit(ctx, { workspace, dormantAt: r.dormantAt?.toISOString() ?? null, deletingAt: r.deletingAt?.toISOString() ?? null }, () =>
            dormant
              ? `${workspace}: dormant since ${formatInstant(r.dormantAt)}; ${r.deletingAt ? `deleted after ${formatInstant(r.deletingAt)}` : 'never deleted automatically'}\n`
              : `${workspace}: no longer dormant\n`,
          );
        }),
      );
  }

  ws.command('cancel')
    .addArgument(workspaceArgument())
    .description('cancel the active build job (pending: canceled at once; running: its provisioner is stopped)')
    .action(
      action(async (ctx, workspace: string) => {
        const ops = await ctx.ops('connect');
        const r = await ops.workspaces.cancel(workspace);
        emit(ctx, { workspace, jobId: r.jobId, status: r.status }, () => `${workspace}: job ${r.jobId} ${r.status}\n`);
      }),
    );

  addPauseCommands(ws);
  return ws;
}

async function setAutostart(ctx: CliContext, workspace: string, spec: string | null): Promise<void> {
  const ops = await ctx.ops();
  const r = await ops.workspaces.setAutostart(workspace, spec);
  if (r.warning && !ctx.json) note(`warning: ${r.warning}`);
  emit(
    ctx,
    {
      workspace,
      autostartSchedule: r.autostartSchedule,
      nextStartAt: r.nextStartAt?.toISOString() ?? null,
      autostartBlocked: r.autostartBlocked,
      warning: r.warning,
    },
    () =>
      r.autostartSchedule === null
        ? `${workspace}: autostart schedule cleared\n`
        : `${workspace}: autostart "${r.autostartSchedule}"; next start ${formatInstant(r.nextStartAt)}\n`,
  );
}

async function setTtl(ctx: CliContext, workspace: string, ms: number | null): Promise<void> {
  const ops = await ctx.ops();
  const r = await ops.workspaces.setTtl(workspace, ms);
  emit(ctx, { workspace, ttlMs: r.ttlMs, deadline: r.deadline?.toISOString() ?? null }, () =>
    r.ttlMs === null
      ? `${workspace}: TTL removed; deadline ${r.deadline ? formatInstant(r.deadline) : 'none'}\n`
      : `${workspace}: TTL ${formatDuration(r.ttlMs)} from the next start\n`,
  );
}

/** Prints a build the command made: at once with --no-wait, else when its job has finished. A failed build exits 1. */
async function reportBuild(ctx: CliContext, ops: Ops, started: StartedBuild, wait: boolean, warning: string | null): Promise<void> {
  const build = wait ? await waitForBuild(ctx, ops, started) : await ops.workspaces.buildOfJob(started.jobId);
  const value = { workspace: started.workspace, workspaceId: started.workspaceId, warning, build: buildJson(build) };
  emit(ctx, value, () => formatBuildOutcome(started.workspace, build, wait));
  const { status, error } = build.job;
  if (status === 'failed' || status === 'canceled') {
    throw new CliError(
      `build #${build.buildNumber} (${build.transition}) of ${started.workspace} ${status}${error ? `: ${error}` : ''}; its log: \`autobuild history ${started.workspace} --log ${build.buildNumber}\``,
    );
  }
}

function formatBuildOutcome(workspace: string, b: BuildRecord, waited: boolean): string {
  const what = `build #${b.buildNumber} (${b.transition}) of ${workspace}`;
  if (!waited) return `${what} queued as job ${b.job.id}; follow it with \`autobuild workspace show ${workspace}\`\n`;
  const took = b.job.startedAt && b.job.completedAt ? ` in ${formatDuration(b.job.completedAt.getTime() - b.job.startedAt.getTime())}` : '';
  const lines = [`${what} ${b.job.status}${took}`];
  if (b.job.status === 'succeeded' && b.transition === 'start') {
    lines.push(
      b.deadline ? `deadline: ${formatInstant(b.deadline)} (${formatRelative(b.deadline, new Date())})` : 'deadline: none (no TTL applies)',
    );
    if (b.maxDeadline) lines.push(`max deadline: ${formatInstant(b.maxDeadline)}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatWorkspace(w: WorkspaceDetails): string {
  const b = w.latestBuild;
  const now = w.at;
  const when = (d: Date | null) => (d === null ? null : `${formatInstant(d)} (${formatRelative(d, now)})`);
  const head = formatFields([
    ['workspace', `${w.owner.username}/${w.name}`],
    ['id', w.id],
    ['status', w.dormantAt ? `${w.status}, dormant` : w.status],
    ['template', `${w.template.name} (active version ${w.template.activeVersion})`],
    ['owner', `${w.owner.username} (${w.owner.status})`],
    ['autostart', w.autostartSchedule ?? 'none'],
    ['autostart blocked', w.autostartBlocked],
    ['autostart paused', w.autostartPause === null ? null : describePause(w.autostartPause).replace(/^autostart paused /, '')],
    ['autostart skipped', w.autostartSkipAt === null ? null : formatInstant(w.autostartSkipAt)],
    ['next start', when(w.nextStartAt)],
    ['TTL', w.ttlMs === null ? 'none' : formatDurationOrOff(w.ttlMs)],
    ['last used', when(w.lastUsedAt)],
    ['dormant since', when(w.dormantAt)],
    ['deleting after', when(w.deletingAt)],
    ['latest build', `#${b.buildNumber} ${b.transition} (${b.reason}) by ${b.initiator}, version ${b.templateVersion}`],
    ['  job', `${b.job.status}${b.job.error ? `: ${b.job.error}` : ''}`],
    ['  created', formatInstant(b.createdAt)],
    ['  completed', b.job.completedAt ? formatInstant(b.job.completedAt) : null],
    ['  deadline', when(b.transition === 'start' ? b.deadline : null)],
    ['  max deadline', when(b.transition === 'start' ? b.maxDeadline : null)],
    ['  workflow', b.workflowId ?? "none (a person's action)"],
  ]);
  return w.upcoming === null ? head : `${head}\n${formatPreview(w.upcoming, now)}`;
}
