// `autobuild template ...`: create and update with one flag per option of
// docs/rules.md#templates, show, list, and versions (create, promote, list).
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Weekday } from '../../lifecycle/index.js';
import type { Template, TemplateOptionsInput } from '../../ops/index.js';
import { templateJson, versionJson } from '../../ops/json.js';
import { action, emit, note } from '../command.js';
import { formatDays, formatDurationOrOff, formatFields, formatInstant, formatTable } from '../format.js';
import { printPages } from '../pages.js';
import { parseBooleanArg, parseDaysArg, parseDurationArg, parsePositiveIntArg } from '../parse.js';
import { addDryRunFlags, printDryRun } from './projections.js';

interface TemplateFlags {
  defaultTtl?: number;
  activityBump?: number;
  allowUserAutostart?: boolean;
  allowUserAutostop?: boolean;
  autostartDays?: Weekday[];
  failureTtl?: number;
  dormancyThreshold?: number;
  dormancyAutodelete?: number;
  autostopNotifyBefore?: number;
  autostopRequirementDays?: Weekday[];
  autostopRequirementWeeks?: number;
  requireActiveVersion?: boolean;
  catchup?: string;
  catchupWindow?: number;
  autodeleteNotifyBefore?: number;
}

const DURATION = '(8h, 30m, 90s, 7d; 0 = off)';

/** The flags of `template create` and `template update`: one per option of docs/rules.md#entities. */
function addTemplateFlags(command: Command): Command {
  const flags: Option[] = [
    new Option(
      '--default-ttl <duration>',
      `autostop after this long when users may not set their own TTL, and the TTL of new workspaces ${DURATION}`,
    ).argParser(parseDurationArg),
    new Option('--activity-bump <duration>', `how far activity pushes the deadline ${DURATION}`).argParser(parseDurationArg),
    new Option('--allow-user-autostart <true|false>', 'false: autostart never fires for this template').argParser(parseBooleanArg),
    new Option('--allow-user-autostop <true|false>', "false: the default TTL replaces every workspace's TTL").argParser(parseBooleanArg),
    new Option('--autostart-days <days>', "days autostart may fire, in the schedule's zone (mon-fri, sat,sun, all)").argParser(
      parseDaysArg,
    ),
    new Option('--failure-ttl <duration>', `stop a workspace this long after a failed build ${DURATION}`).argParser(parseDurationArg),
    new Option(
      '--dormancy-threshold <duration>',
      `inactivity after which a workspace becomes dormant (time_til_dormant) ${DURATION}`,
    ).argParser(parseDurationArg),
    new Option(
      '--dormancy-autodelete <duration>',
      `how long a dormant workspace lives before deletion (time_til_dormant_autodelete) ${DURATION}`,
    ).argParser(parseDurationArg),
    new Option('--autostop-notify-before <duration>', `remind the owner this long before autostop ${DURATION}`).argParser(parseDurationArg),
    new Option(
      '--autostop-requirement-days <days>',
      "days running workspaces must stop in the owner's quiet hours (mon-fri, sat,sun, all, none)",
    ).argParser(parseDaysArg),
    new Option('--autostop-requirement-weeks <n>', 'every n weeks (1-16), counted from Monday 2023-01-02').argParser(parsePositiveIntArg),
    new Option('--require-active-version <true|false>', "autostart builds use the template's active version").argParser(parseBooleanArg),
    new Option(
      '--catchup <all|latest|none>',
      'autostarts that fell due while the engine was down: all start, latest only within --catchup-window, none',
    ),
    new Option('--catchup-window <duration>', 'how late an autostart may still start under --catchup latest (2h, 30m)').argParser(
      parseDurationArg,
    ),
    new Option(
      '--autodelete-notify-before <duration>',
      `warn the owner of a dormant workspace this long before autodelete deletes it ${DURATION}`,
    ).argParser(parseDurationArg),
  ];
  for (const flag of flags) command.addOption(flag);
  return command;
}

function toOptions(f: TemplateFlags): TemplateOptionsInput {
  const options: TemplateOptionsInput = {
    defaultTtl: f.defaultTtl,
    activityBump: f.activityBump,
    allowUserAutostart: f.allowUserAutostart,
    allowUserAutostop: f.allowUserAutostop,
    autostartAllowedDays: f.autostartDays,
    failureTtl: f.failureTtl,
    timeTilDormant: f.dormancyThreshold,
    timeTilDormantAutodelete: f.dormancyAutodelete,
    autostopNotifyBefore: f.autostopNotifyBefore,
    autostopRequirementDays: f.autostopRequirementDays,
    autostopRequirementWeeks: f.autostopRequirementWeeks,
    requireActiveVersion: f.requireActiveVersion,
    catchup: f.catchup,
    catchupWindow: f.catchupWindow,
    autodeleteNotifyBefore: f.autodeleteNotifyBefore,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

export function templateCommand(): Command {
  const template = new Command('template').description('manage templates: the admin policy of their workspaces');

  addTemplateFlags(template.command('create <name>').description('create a template with an active version v1')).action(
    action(async (ctx, name: string, flags: TemplateFlags) => {
      const ops = await ctx.ops();
      printTemplate(ctx.json, await ops.templates.create({ name, ...toOptions(flags) }), 'created');
    }),
  );

  addDryRunFlags(
    addTemplateFlags(template.command('update <name>').description('change options of a template; options not given keep their value')),
  ).action(
    action(async (ctx, name: string, flags: TemplateFlags & { dryRun?: boolean; days?: number; resetInactivity?: boolean }) => {
      const ops = await ctx.ops();
      const { dryRun, days, resetInactivity } = flags;
      if (dryRun === true) {
        printDryRun(ctx, await ops.templates.update(name, toOptions(flags), { dryRun, days, resetInactivity }));
        return;
      }
      if (days !== undefined) throw new InvalidArgumentError('--days applies to --dry-run only');
      const {
        template: t,
        deletingAtRecomputed,
        autostartRecomputed,
        inactivityReset,
      } = await ops.templates.update(name, toOptions(flags), {
        resetInactivity,
      });
      if (!ctx.json && resetInactivity === true) note(`reset the last use of ${inactivityReset} workspace(s) to now`);
      if (!ctx.json && deletingAtRecomputed > 0) note(`moved the deletion date of ${deletingAtRecomputed} dormant workspace(s)`);
      if (!ctx.json && autostartRecomputed > 0) note(`recomputed the next autostart of ${autostartRecomputed} workspace(s)`);
      printTemplate(ctx.json, t, 'updated');
    }),
  );

  template
    .command('show <name>')
    .description("show a template's options and versions")
    .action(
      action(async (ctx, name: string) => {
        const ops = await ctx.ops();
        const t = await ops.templates.get(name);
        const versions = await ops.templates.versions(t.id);
        emit(
          ctx,
          { ...templateJson(t), versions: versions.map(versionJson) },
          () => `${formatTemplate(t)}versions:      ${versions.map((v) => (v.active ? `${v.name} (active)` : v.name)).join(', ')}\n`,
        );
      }),
    );

  template
    .command('list')
    .description('list templates')
    .action(
      action(async (ctx) => {
        const ops = await ctx.ops();
        await printPages(ctx, {
          next: (cursor) => ops.templates.list({ cursor }),
          json: templateJson,
          headers: ['NAME', 'VERSION', 'DEFAULT TTL', 'BUMP', 'AUTOSTART DAYS', 'DORMANT AFTER', 'DELETE AFTER'],
          row: (t) => [
            t.name,
            t.activeVersion.name,
            formatDurationOrOff(t.policy.defaultTtlMs),
            formatDurationOrOff(t.policy.activityBumpMs),
            t.policy.allowUserAutostart ? formatDays(t.policy.autostartAllowedDays) : 'disallowed',
            formatDurationOrOff(t.policy.timeTilDormantMs),
            formatDurationOrOff(t.policy.timeTilDormantAutodeleteMs),
          ],
        });
      }),
    );

  const version = template.command('version').description("manage a template's versions");
  version
    .command('create <template> <version-name>')
    .description('add a version (not active until promoted)')
    .option('--activate', 'make it the active version at once')
    .action(
      action(async (ctx, templateName: string, versionName: string, opts: { activate?: boolean }) => {
        const ops = await ctx.ops();
        const v = await ops.templates.createVersion(templateName, versionName, { activate: opts.activate === true });
        emit(ctx, versionJson(v), () => `template ${templateName}: version ${v.name} created${v.active ? ' and active' : ''}\n`);
      }),
    );
  version
    .command('promote <template> <version-name>')
    .description('make a version the active one: new workspaces and updating autostarts build it')
    .action(
      action(async (ctx, templateName: string, versionName: string) => {
        const ops = await ctx.ops();
        printTemplate(ctx.json, await ops.templates.promoteVersion(templateName, versionName), `now builds version ${versionName}`);
      }),
    );
  version
    .command('list <template>')
    .description("list a template's versions")
    .action(
      action(async (ctx, templateName: string) => {
        const ops = await ctx.ops();
        const versions = await ops.templates.versions(templateName);
        emit(ctx, versions.map(versionJson), () =>
          formatTable(
            ['VERSION', 'ACTIVE', 'CREATED'],
            versions.map((v) => [v.name, v.active ? 'yes' : '', formatInstant(v.createdAt)]),
          ),
        );
      }),
    );

  return template;
}

function printTemplate(json: boolean, t: Template, what: string): void {
  emit({ json }, templateJson(t), () => `template ${t.name} ${what}\n${formatTemplate(t)}`);
}

function formatTemplate(t: Template): string {
  const p = t.policy;
  return formatFields([
    ['name', t.name],
    ['id', t.id],
    ['active version', t.activeVersion.name],
    ['default TTL', formatDurationOrOff(p.defaultTtlMs)],
    ['activity bump', formatDurationOrOff(p.activityBumpMs)],
    ['user autostart', p.allowUserAutostart ? `allowed on ${formatDays(p.autostartAllowedDays)}` : 'not allowed'],
    ['user autostop', p.allowUserAutostop ? 'allowed (workspace TTLs apply)' : 'not allowed (the default TTL applies)'],
    ['failure TTL', formatDurationOrOff(p.failureTtlMs)],
    ['dormant after', formatDurationOrOff(p.timeTilDormantMs)],
    ['delete after', formatDurationOrOff(p.timeTilDormantAutodeleteMs)],
    ['notify before', formatDurationOrOff(p.autostopNotifyBeforeMs)],
    // docs/rules.md#autodelete-warning: shown only when on.
    ...((p.autodeleteNotifyBeforeMs ?? 0) > 0
      ? [['delete warning', `${formatDurationOrOff(p.autodeleteNotifyBeforeMs!)} before deletion`] as [string, string]]
      : []),
    [
      'autostop req.',
      p.autostopRequirementDays.length === 0
        ? 'none'
        : `${formatDays(p.autostopRequirementDays)}${p.autostopRequirementWeeks > 1 ? `, every ${p.autostopRequirementWeeks} weeks` : ''}, in the owner's quiet hours`,
    ],
    ['require active', p.requireActiveVersion ? 'yes' : 'no'],
    ['catch-up', formatCatchup(p)],
    ['updated', formatInstant(t.updatedAt)],
  ]);
}

/** docs/rules.md#catch-up-after-downtime */
function formatCatchup(p: Template['policy']): string {
  if (p.catchup === 'latest') return `latest: what fell due within ${formatDurationOrOff(p.catchupWindowMs ?? 0)} starts`;
  if (p.catchup === 'none') return 'none: what fell due while the engine was down is skipped';
  return 'all: everything that fell due starts, once';
}
