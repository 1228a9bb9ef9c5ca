// `autobuild workspace keep-running <owner/name> [--for 1h]` and `autobuild workspace skip-stop <owner/name>`:
// what the autostop reminder's links do (docs/rules.md#reminder-actions), as commands. The autodelete
// warning's "keep it" is `autobuild workspace wake`.
import type { Command } from 'commander';
import { formatDuration, HOUR } from '../../lifecycle/index.js';
import { action, emit } from '../command.js';
import { formatInstant, formatRelative } from '../format.js';
import { parseDurationArg } from '../parse.js';
import { workspaceArgument } from './workspaces.js';

export function addReminderActionCommands(ws: Command): void {
  ws.command('keep-running')
    .addArgument(workspaceArgument())
    .option('--for <duration>', `move the deadline this much later (default ${formatDuration(HOUR)})`, parseDurationArg)
    .description("move the running build's deadline later (default 1h), capped at its max deadline")
    .action(
      action(async (ctx, workspace: string, opts: { for?: number }) => {
        const ops = await ctx.ops();
        const { deadline } = await ops.reminders.keepRunning(workspace, opts.for === undefined ? {} : { by: opts.for });
        printDeadline(ctx, workspace, deadline);
      }),
    );

  ws.command('skip-stop')
    .addArgument(workspaceArgument())
    .description("skip the next stop: the running build's deadline moves 24h later, capped at its max deadline")
    .action(
      action(async (ctx, workspace: string) => {
        const ops = await ctx.ops();
        const { deadline } = await ops.reminders.skipStop(workspace);
        printDeadline(ctx, workspace, deadline);
      }),
    );
}

function printDeadline(ctx: { json: boolean }, workspace: string, deadline: Date): void {
  emit(
    ctx,
    { workspace, deadline: deadline.toISOString() },
    () => `${workspace}: deadline ${formatInstant(deadline)} (${formatRelative(deadline, new Date())})\n`,
  );
}
