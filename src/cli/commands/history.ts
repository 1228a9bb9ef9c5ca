// `autobuild history <owner>/<name> [--log <n>]`: the builds, newest first,
// each with the Temporal workflow that made it (none for a person's action).
import { Command, Option } from 'commander';
import { buildJson } from '../../ops/json.js';
import { action, emit } from '../command.js';
import { formatInstant, formatTable } from '../format.js';
import { parsePositiveIntArg } from '../parse.js';
import { workspaceArgument } from './workspaces.js';

export function historyCommand(): Command {
  return new Command('history')
    .description("list a workspace's builds, newest first, or print one build's job log")
    .addArgument(workspaceArgument())
    .addOption(new Option('--log <build-number>', "print this build's job log instead").argParser(parsePositiveIntArg))
    .addOption(new Option('--limit <n>', 'how many builds').argParser(parsePositiveIntArg).default(50))
    .action(
      action(async (ctx, workspace: string, opts: { log?: number; limit: number }) => {
        const ops = await ctx.ops();
        if (opts.log !== undefined) {
          const { build, log } = await ops.workspaces.buildLog(workspace, opts.log);
          emit(ctx, { workspace, buildNumber: build.buildNumber, jobId: build.job.id, status: build.job.status, log }, () =>
            log === '' ? `(build #${build.buildNumber} has an empty log)\n` : log.endsWith('\n') ? log : `${log}\n`,
          );
          return;
        }
        const builds = await ops.workspaces.history(workspace, { limit: opts.limit });
        emit(ctx, builds.map(buildJson), () =>
          formatTable(
            ['#', 'TRANSITION', 'REASON', 'INITIATOR', 'JOB', 'CREATED', 'COMPLETED', 'WORKFLOW', 'ERROR'],
            builds.map((b) => [
              String(b.buildNumber),
              b.transition,
              b.reason,
              b.initiator,
              b.job.status,
              formatInstant(b.createdAt),
              formatInstant(b.job.completedAt),
              b.workflowId ?? '-',
              b.job.error ?? '',
            ]),
          ),
        );
      }),
    );
}
