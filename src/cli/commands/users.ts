// `autobuild user ...`: create, suspend, activate, quiet hours, show, list.
import { Command } from 'commander';
import type { User } from '../../ops/index.js';
import { userJson } from '../../ops/json.js';
import { action, emit } from '../command.js';
import { CliError } from '../errors.js';
import { formatFields, formatInstant } from '../format.js';
import { printPages } from '../pages.js';

const QUIET_HOURS_HELP = 'a daily schedule, e.g. "CRON_TZ=Europe/Berlin 0 23 * * *" (default: midnight UTC)';

export function userCommand(): Command {
  const user = new Command('user').description('manage users: status and quiet hours');

  user
    .command('create <username>')
    .description('create an active user')
    .option('--quiet-hours <schedule>', QUIET_HOURS_HELP)
    .action(
      action(async (ctx, username: string, opts: { quietHours?: string }) => {
        const ops = await ctx.ops();
        printUser(ctx.json, await ops.users.create({ username, quietHoursSchedule: opts.quietHours ?? null }), 'created');
      }),
    );

  for (const [verb, status] of [
    ['suspend', 'suspended'],
    ['activate', 'active'],
  ] as const) {
    user
      .command(`${verb} <username>`)
      .description(
        verb === 'suspend'
          ? 'suspend a user: running workspaces stop at the next tick, none autostart'
          : 'make a suspended or dormant user active again',
      )
      .action(
        action(async (ctx, username: string) => {
          const ops = await ctx.ops();
          printUser(ctx.json, await ops.users.setStatus(username, status), `now ${status}`);
        }),
      );
  }

  user
    .command('quiet-hours <username> [schedule]')
    .description(`set the quiet hours that autostop requirements stop workspaces in: ${QUIET_HOURS_HELP}`)
    .option('--clear', 'go back to the deployment default (midnight UTC)')
    .action(
      action(async (ctx, username: string, schedule: string | undefined, opts: { clear?: boolean }) => {
        if ((schedule === undefined) === (opts.clear !== true)) {
          throw new CliError('give either a daily schedule such as "CRON_TZ=Europe/Berlin 0 23 * * *" or --clear, not both or neither');
        }
        const ops = await ctx.ops();
        printUser(ctx.json, await ops.users.setQuietHours(username, schedule ?? null), 'quiet hours updated');
      }),
    );

  user
    .command('show <username>')
    .description('show a user')
    .action(
      action(async (ctx, username: string) => {
        const ops = await ctx.ops();
        printUser(ctx.json, await ops.users.get(username));
      }),
    );

  user
    .command('list')
    .description('list users')
    .action(
      action(async (ctx) => {
        const ops = await ctx.ops();
        await printPages(ctx, {
          next: (cursor) => ops.users.list({ cursor }),
          json: userJson,
          headers: ['USERNAME', 'STATUS', 'QUIET HOURS', 'CREATED'],
          row: (u) => [u.username, u.status, u.quietHoursSchedule ?? 'default', formatInstant(u.createdAt)],
        });
      }),
    );

  return user;
}

function printUser(json: boolean, u: User, what?: string): void {
  emit(
    { json },
    userJson(u),
    () =>
      (what ? `user ${u.username} ${what}\n` : '') +
      formatFields([
        ['username', u.username],
        ['id', u.id],
        ['status', u.status],
        ['quiet hours', u.quietHoursSchedule ?? 'the deployment default (AUTOBUILD_DEFAULT_QUIET_HOURS)'],
        ['created', formatInstant(u.createdAt)],
      ]),
  );
}
