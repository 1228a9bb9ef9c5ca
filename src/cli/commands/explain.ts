// `autobuild explain <owner>/<name> [--at <time>]`: the decision the engine
// would make at a minute, and what happens next and when, each instant with
// the rule that produces it (the operations module's explain; writes nothing).
import { Command, Option } from 'commander';
import type { Preview, PreviewEvent } from '../../lifecycle/index.js';
import { explainJson } from '../../ops/json.js';
import { action, emit } from '../command.js';
import { formatInstant, formatRelative } from '../format.js';
import { parseInstantArg } from '../parse.js';
import { workspaceArgument } from './workspaces.js';

export function explainCommand(): Command {
  return new Command('explain')
    .description('explain what the engine will do with a workspace next, when, and why (writes nothing)')
    .addArgument(workspaceArgument())
    .addOption(new Option('--at <time>', 'evaluate as of this ISO-8601 time with an offset (default: now)').argParser(parseInstantArg))
    .action(
      action(async (ctx, workspace: string, opts: { at?: Date }) => {
        const ops = await ctx.ops();
        const e = await ops.workspaces.explain(workspace, opts.at);
        emit(
          ctx,
          explainJson(workspace, e.preview),
          () => `${workspace} (${e.dormant ? `${e.status}, dormant` : e.status})\n${formatPreview(e.preview, opts.at ?? e.now)}`,
        );
      }),
    );
}
/** The preview for people: the decision at the minute, then each upcoming instant with its rule. */
export function formatPreview(p: Preview, now: Date): string {
  const d = p.decision;
  const action =
    d.transition !== null
      ? `${d.transition} (${d.reason})${d.markDormant ? ' and mark dormant' : ''}`
      : d.markDormant
        ? 'mark dormant'
        : d.remind
          ? 'send the autostop reminder'
          : d.warnDelete
            ? 'send the autodelete warning'
            : 'nothing';
  const rows: Array<[string, PreviewEvent | null, string]> = [
    ['next autostart', p.nextAutostart, 'none'],
    ['deadline', p.deadline, 'none'],
    ['max deadline', p.maxDeadline, 'none'],
    ['reminder', p.reminderAt, 'none'],
    ['dormant', p.dormantAt, 'never (dormancy is off)'],
    ['deletion', p.deletingAt, 'never (autodelete is off or not dormant)'],
    // docs/rules.md#autodelete-warning: a row only when the template turns the warning on.
    ...(p.deleteWarningAt ? [['deletion warning', p.deleteWarningAt, 'none'] as [string, PreviewEvent, string]] : []),
  ];
  const width = 16;
  const lines = [
    `${'as of'.padEnd(width)}${formatInstant(p.at)}`,
    `${'would do'.padEnd(width)}${action}`,
    `${''.padEnd(width)}because ${d.explanation}`,
  ];
  for (const [label, event, none] of rows) {
    if (event === null) {
      lines.push(`${label.padEnd(width)}${none}`);
    } else {
      lines.push(`${label.padEnd(width)}${formatInstant(event.at)} (${formatRelative(event.at, now)})`);
      lines.push(`${''.padEnd(width)}rule: ${event.rule}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
