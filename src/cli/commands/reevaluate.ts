// `autobuild reevaluate <owner>/<name>`: the engine evaluates the workspace now
// (the operations module sends its evaluateNow message) and the decision and
// any build it made are printed.
import { Command } from 'commander';
import type { EvaluateResult } from '../../engine/outcome.js';
import type { BuildRecord } from '../../ops/index.js';
import { buildJson } from '../../ops/json.js';
import { action, emit } from '../command.js';
import { CliError } from '../errors.js';
import { formatInstant } from '../format.js';
import { waitForBuild, withWorkerTimeout } from '../wait.js';
import { workspaceArgument } from './workspaces.js';

export function reevaluateCommand(): Command {
  return new Command('reevaluate')
    .description("evaluate a workspace now through the engine's evaluateNow update; prints the decision and any build it made")
    .addArgument(workspaceArgument())
    .option('--no-wait', 'do not wait for the job of a build it made')
    .action(
      action(async (ctx, workspace: string, opts: { wait: boolean }) => {
        const ops = await ctx.ops('worker');
        const result = await withWorkerTimeout(ctx, `re-evaluating ${workspace}`, 'the evaluation goes on in the engine', () =>
          ops.workspaces.reevaluate(workspace),
        );
        let build: BuildRecord | null = result.build;
        if (build !== null && opts.wait) {
          build = await waitForBuild(ctx, ops, {
            workspace,
            workspaceId: result.workspaceId,
            buildNumber: build.buildNumber,
            jobId: build.job.id,
            transition: build.transition,
          });
        }
        const value = {
          workspace,
          tick: result.tick,
          decision: result.decision,
          outcome: result.outcome.kind,
          skipped: result.outcome.skipped,
          error: result.outcome.error,
          markedDormant: result.outcome.markedDormant,
          reminded: result.outcome.reminded,
          build: build === null ? null : buildJson(build),
        };
        emit(ctx, value, () => formatEvaluation(workspace, result, value.build));
        if (result.outcome.kind === 'error') throw new CliError(`evaluation of ${workspace} failed: ${result.outcome.error}`);
      }),
    );
}

function formatEvaluation(workspace: string, r: EvaluateResult, build: ReturnType<typeof buildJson> | null): string {
  const d = r.decision;
  const decided =
    d === null
      ? 'none (the workspace is gone)'
      : d.transition !== null
        ? `${d.transition} (${d.reason})`
        : d.markDormant
          ? 'mark dormant'
          : d.remind
            ? 'autostop reminder'
            : 'nothing';
  const lines = [`${workspace} evaluated as of ${formatInstant(new Date(r.tick))}`, `decision: ${decided}`];
  if (d !== null) lines.push(`because:  ${d.explanation}`);
  lines.push(
    `outcome:  ${r.outcome.kind}${r.outcome.skipped ? ` (${r.outcome.skipped})` : ''}${r.outcome.error ? `: ${r.outcome.error}` : ''}`,
  );
  if (build !== null) lines.push(`build:    #${build.buildNumber} ${build.transition} (${build.reason}), job ${build.job.status}`);
  return `${lines.join('\n')}\n`;
}
