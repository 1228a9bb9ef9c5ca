// `autobuild audit`: who changed what, newest first (docs/operations.md#audit-log).
import { Command, Option } from 'commander';
import type { AuditEntry, Page } from '../../ops/index.js';
import { auditJson } from '../../ops/json.js';
import { action } from '../command.js';
import { formatInstant } from '../format.js';
import { printPages } from '../pages.js';
import { parseInstantArg, parsePositiveIntArg, parseWorkspaceRef } from '../parse.js';

const PAGE = 500;

export function auditCommand(): Command {
  return new Command('audit')
    .description('list the audit log, newest first: who changed which workspace, template, user or token, and how')
    .option('--workspace <owner/name|id>', 'only changes to this workspace (deleted ones too)')
    .option('--actor <name>', 'only changes by this actor: a username, or cli:<operating-system user>')
    .addOption(new Option('--since <time>', 'only changes at or after this ISO-8601 instant').argParser(parseInstantArg))
    .addOption(new Option('--limit <n>', 'how many entries at most').argParser(parsePositiveIntArg).default(100))
    .action(
      action(async (ctx, opts: { workspace?: string; actor?: string; since?: Date; limit: number }) => {
        const workspace = opts.workspace === undefined ? undefined : workspaceText(opts.workspace);
        const ops = await ctx.ops();
        const filter = {
          ...(workspace !== undefined ? { workspace } : {}),
          ...(opts.actor !== undefined ? { actor: opts.actor } : {}),
          ...(opts.since !== undefined ? { since: opts.since } : {}),
        };
        let left = opts.limit;
        await printPages(ctx, {
          // Pages of up to 500, until --limit entries are printed.
          next: async (cursor): Promise<Page<AuditEntry>> => {
            const page = await ops.audit.list(filter, { cursor, limit: Math.min(left, PAGE) });
            left -= page.items.length;
            return left > 0 ? page : { items: page.items, nextCursor: null };
          },
          json: auditJson,
          headers: ['AT', 'ACTOR', 'ACTION', 'SUBJECT', 'CHANGE'],
          row: (e) => [formatInstant(e.at), e.actor, e.action, e.subject ?? '-', changeText(e.before, e.after)],
        });
      }),
    );
}

/** `alice/dev` is checked for shape; anything without a slash is taken as an id. */
function workspaceText(text: string): string {
  if (!text.includes('/')) return text.trim();
  const r = parseWorkspaceRef(text);
  return `${r.owner}/${r.name}`;
}

/** `ttlMs: 28800000 → 3600000; deadline: … → …`, or `key: value, …` for a creation. */
export function changeText(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string {
  const show = (v: unknown) => (v === undefined ? '-' : JSON.stringify(v));
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  return keys
    .map((k) => {
      if (before === null) return `${k}: ${show(after?.[k])}`;
      if (after === null) return `${k}: ${show(before[k])} → -`;
      return `${k}: ${show(before[k])} → ${show(after[k])}`;
    })
    .join('; ');
}
