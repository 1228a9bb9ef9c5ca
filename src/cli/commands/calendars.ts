// `autobuild workspace pause|resume|skip-next|unskip` (docs/rules.md#pause-and-skip)
// and `autobuild calendar ...` (docs/rules.md#holiday-calendars): holiday
// calendars, their dates, iCalendar import, and attachment to templates and users.
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { AutostartState, CalendarChange, CalendarDetails } from '../../ops/index.js';
import { calendarJson, pauseJson } from '../../ops/json.js';
import { action, emit } from '../command.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { formatFields, formatInstant } from '../format.js';
import { printPages } from '../pages.js';
import { workspaceArgument } from './workspaces.js';

const stateJson = (s: AutostartState) => ({
  workspace: s.workspace,
  autostartPause: pauseJson(s.pause),
  autostartSkipAt: s.skipAt?.toISOString() ?? null,
  nextStartAt: s.nextStartAt?.toISOString() ?? null,
  autostartBlocked: s.autostartBlocked,
});

function formatState(s: AutostartState): string {
  const pause =
    s.pause === null
      ? 'autostart not paused'
      : `autostart paused ${s.pause.until === null ? 'indefinitely' : `until ${formatInstant(s.pause.until)}`}${s.pause.note ? ` (${s.pause.note})` : ''}`;
  const skip = s.skipAt === null ? '' : `; the autostart of ${formatInstant(s.skipAt)} is skipped`;
  const next = s.autostartBlocked !== null ? `autostart blocked: ${s.autostartBlocked}` : `next start ${formatInstant(s.nextStartAt)}`;
  return `${s.workspace}: ${pause}${skip}; ${next}\n`;
}

/** The pause and skip commands, added to `workspace`. */
export function addPauseCommands(ws: Command): void {
  ws.command('pause')
    .addArgument(workspaceArgument())
    .description('pause autostart (never autostop) until an instant or a date, or indefinitely; replaces any pause')
    .option(
      '--until <time>',
      "an ISO-8601 instant with an offset, or a date YYYY-MM-DD (midnight at its start in the schedule's zone); at most 370 days ahead; default: indefinitely",
    )
    .option('--note <text>', 'why, shown by explain (one line, at most 500 characters)')
    .action(
      action(async (ctx, workspace: string, opts: { until?: string; note?: string }) => {
        const ops = await ctx.ops();
        const s = await ops.autostart.pause(workspace, { until: opts.until ?? null, note: opts.note ?? null });
        emit(ctx, stateJson(s), () => formatState(s));
      }),
    );
  const simple: Array<[string, string, (ctx: CliContext, w: string) => Promise<AutostartState>]> = [
    ['resume', 'end the pause: autostart fires again from its next occurrence', async (ctx, w) => (await ctx.ops()).autostart.resume(w)],
    [
      'skip-next',
      'skip the next autostart occurrence only (the pending one when it is due); the one after it fires',
      async (ctx, w) => (await ctx.ops()).autostart.skipNext(w),
    ],
    ['unskip', 'undo skip-next', async (ctx, w) => (await ctx.ops()).autostart.unskip(w)],
  ];
  for (const [name, description, run] of simple) {
    ws.command(name)
      .addArgument(workspaceArgument())
      .description(description)
      .action(
        action(async (ctx, workspace: string) => {
          const s = await run(ctx, workspace);
          emit(ctx, stateJson(s), () => formatState(s));
        }),
      );
  }
}

const changeJson = (r: CalendarChange) => ({
  calendar: calendarJson(r.calendar),
  dates: r.dates,
  autostartRecomputed: r.autostartRecomputed,
});

function printChange(ctx: CliContext, r: CalendarChange, what: string): void {
  emit(
    ctx,
    changeJson(r),
    () =>
      `calendar ${r.calendar.name}: ${what}; ${r.calendar.dates} dates; next start recomputed for ${r.autostartRecomputed} workspace(s)\n`,
  );
}

function formatCalendar(c: CalendarDetails): string {
  const head = formatFields([
    ['calendar', c.name],
    ['id', c.id],
    ['templates', c.templates.length ? c.templates.join(', ') : 'none'],
    ['users', c.users.length ? c.users.join(', ') : 'none'],
    ['dates', String(c.dates)],
  ]);
  return `${head}${c.holidays.map((h) => `  ${h.date}${h.name ? `  ${h.name}` : ''}\n`).join('')}`;
}

type Target = { template?: string; user?: string };
function target(opts: Target): { template: string } | { user: string } {
  if ((opts.template === undefined) === (opts.user === undefined))
    throw new CliError('give exactly one of --template <name> or --user <username>');
  return opts.template !== undefined ? { template: opts.template } : { user: opts.user! };
}

export function calendarCommand(): Command {
  const cal = new Command('calendar').alias('calendars').description('holiday calendars: on a listed date autostart does not fire');

  cal
    .command('create <name>')
    .description('create an empty calendar')
    .action(
      action(async (ctx, name: string) => {
        const c = await (await ctx.ops()).calendars.create(name);
        emit(ctx, calendarJson(c), () => `calendar ${c.name} created\n`);
      }),
    );
  cal
    .command('delete <name>')
    .description('delete a calendar, its dates and its attachments')
    .action(action(async (ctx, name: string) => printChange(ctx, await (await ctx.ops()).calendars.delete(name), 'deleted')));
  cal
    .command('list')
    .description('list calendars')
    .action(
      action(async (ctx) => {
        const ops = await ctx.ops();
        await printPages(ctx, {
          next: (cursor) => ops.calendars.list({ cursor }),
          json: calendarJson,
          headers: ['CALENDAR', 'DATES', 'TEMPLATES', 'USERS'],
          row: (c) => [c.name, String(c.dates), c.templates.join(',') || '-', c.users.join(',') || '-'],
        });
      }),
    );
  cal
    .command('show <name>')
    .description('a calendar, what it is attached to, and its dates')
    .action(
      action(async (ctx, name: string) => {
        const c = await (await ctx.ops()).calendars.get(name);
        emit(ctx, calendarJson(c), () => formatCalendar(c));
      }),
    );
  cal
    .command('add-date <name> <date> [holiday]')
    .description('list a date (YYYY-MM-DD, a local date in each schedule’s zone), optionally named; renames a listed one')
    .action(
      action(async (ctx, name: string, date: string, holiday: string | undefined) =>
        printChange(ctx, await (await ctx.ops()).calendars.addDate(name, date, holiday ?? null), `${date} listed`),
      ),
    );
  cal
    .command('remove-date <name> <date>')
    .description('remove a date')
    .action(
      action(async (ctx, name: string, date: string) =>
        printChange(ctx, await (await ctx.ops()).calendars.removeDate(name, date), `${date} removed`),
      ),
    );
  cal
    .command('import <name> <file>')
    .description('add the all-day events of an iCalendar (.ics) file, creating the calendar if needed; a timed event refuses the file')
    .action(
      action(async (ctx, name: string, file: string) => {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (error) {
          throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        printChange(ctx, await (await ctx.ops()).calendars.import(name, text), `${file} imported`);
      }),
    );
  for (const verb of ['attach', 'detach'] as const) {
    cal
      .command(`${verb} <name>`)
      .description(
        verb === 'attach' ? 'attach to a template (all its workspaces) or to a user (theirs)' : 'detach from a template or a user',
      )
      .option('--template <name>', 'the template')
      .option('--user <username>', 'the user')
      .action(
        action(async (ctx, name: string, opts: Target) => {
          const t = target(opts);
          const ops = await ctx.ops();
          const r = verb === 'attach' ? await ops.calendars.attach(name, t) : await ops.calendars.detach(name, t);
          printChange(
            ctx,
            r,
            `${verb}ed ${verb === 'attach' ? 'to' : 'from'} ${'template' in t ? `template ${t.template}` : `user ${t.user}`}`,
          );
        }),
      );
  }
  return cal;
}
