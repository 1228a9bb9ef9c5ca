// The policy dry-run (`autobuild template update <name> --dry-run [--days N]`) and the
// workspace timeline (`autobuild workspace timeline <owner/name> [--days N]`):
// docs/rules.md#policy-dry-run-and-timeline. Both write nothing and say what they assume.
import { type Command, Option } from 'commander';
import { type DryRunReport, dryRunJson, PROJECTION_DAYS, type Timeline, timelineJson } from '../../ops/index.js';
import { action, emit } from '../command.js';
import { formatInstant, formatTable } from '../format.js';
import { parsePositiveIntArg } from '../parse.js';
import { workspaceArgument } from './workspaces.js';

/** The dry-run lists at most this many workspaces for people; --json has them all. */
const DRY_RUN_ROWS = 200;

export const daysOption = (fallback: number) =>
  new Option('--days <n>', `days to project from now (${PROJECTION_DAYS.min}-${PROJECTION_DAYS.max}, default ${fallback})`).argParser(
    parsePositiveIntArg,
  );

/** The flags `template update` gains: --dry-run, --days and --reset-inactivity. */
export function addDryRunFlags(command: Command): Command {
  return command
    .option('--dry-run', 'write nothing: report which workspaces would change and when, assuming no future activity')
    .addOption(daysOption(PROJECTION_DAYS.dryRunDefault))
    .option('--reset-inactivity', 'every workspace of the template last used now, so that a tighter dormancy threshold counts from now');
}

export function printDryRun(out: { json: boolean }, r: DryRunReport): void {
  emit(out, dryRunJson(r), () => formatDryRun(r));
}

const when = (d: Date | null) => (d === null ? '—' : formatInstant(d));

export function formatDryRun(r: DryRunReport): string {
  const options = Object.keys(r.policy.after);
  const counts = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  const lines = [
    `template ${r.template}: dry run, nothing written`,
    `changes:   ${options.length === 0 ? 'no options' : options.map((k) => `${k} ${show(r.policy.before[k as never])} → ${show(r.policy.after[k as never])}`).join(', ')}${r.resetInactivity ? ' (and inactivity reset to now)' : ''}`,
    `projected: ${formatInstant(r.from)} to ${formatInstant(r.until)} (${r.days} days), ${r.assumption}`,
    `result:    ${r.changed} of ${r.workspaces} workspace(s) would change${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`,
  ];
  if (r.truncated > 0) lines.push(`note:      ${r.truncated} projection(s) reached the step bound and end early`);
  let text = `${lines.join('\n')}\n`;
  const rows = r.changes.flatMap((w) => w.changes.map((c) => [w.workspace, c.kind, when(c.before), when(c.after), c.rule]));
  if (rows.length > 0) {
    text += `\n${formatTable(['WORKSPACE', 'CHANGE', 'NOW', 'PROPOSED', 'RULE'], rows.slice(0, DRY_RUN_ROWS))}`;
    if (rows.length > DRY_RUN_ROWS) text += `… and ${rows.length - DRY_RUN_ROWS} more (--json lists them all)\n`;
  }
  return text;
}

const show = (value: unknown) => (Array.isArray(value) ? value.join(',') || 'none' : String(value));

/** `workspace timeline <owner/name> [--days N]`. */
export function addTimelineCommand(ws: Command): void {
  ws.command('timeline')
    .description('what the engine will do to a workspace over the next days, and why (assumes no future activity; writes nothing)')
    .addArgument(workspaceArgument())
    .addOption(daysOption(PROJECTION_DAYS.timelineDefault))
    .action(
      action(async (ctx, workspace: string, opts: { days?: number }) => {
        const ops = await ctx.ops();
        const t = await ops.workspaces.timeline(workspace, { days: opts.days });
        emit(ctx, timelineJson(t), () => formatTimeline(t));
      }),
    );
}

export function formatTimeline(t: Timeline): string {
  const head = `${t.workspace}: ${formatInstant(t.from)} to ${formatInstant(t.until)} (${t.days} days), ${t.assumption}\n`;
  if (t.events.length === 0) return `${head}nothing happens\n`;
  const rows = t.events.map((e) => [formatInstant(e.at), e.transition === null ? e.kind : `${e.kind} (${e.reason})`, e.rule]);
  return `${head}${formatTable(['AT', 'EVENT', 'RULE'], rows)}${t.truncated ? 'the projection reached its step bound and ends early\n' : ''}`;
}
