// `autobuild token ...`: create (the token is printed once), list, revoke
// (docs/operations.md#api-tokens).
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { formatDuration } from '../../lifecycle/index.js';
import { TOKEN_DEFAULT_EXPIRY_MS, TOKEN_ROLES, type TokenRecord, type TokenRole } from '../../ops/index.js';
import { tokenJson } from '../../ops/json.js';
import { action, emit, note } from '../command.js';
import { formatFields, formatInstant } from '../format.js';
import { printPages } from '../pages.js';
import { parseDurationArg, parseWorkspaceRef } from '../parse.js';

const NOT_SHOWN_AGAIN = 'This token will not be shown again: store it now (autobuild keeps only its hash).';

/** `30d`, `12h`, … in milliseconds, or `never` (commander turns a parsed null into '', so it stays a word). */
export function parseExpiryArg(text: string): number | 'never' {
  if (text.trim().toLowerCase() === 'never') return 'never';
  return parseDurationArg(text);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function tokenCommand(): Command {
  const token = new Command('token').description('manage API tokens: create (shown once), list, revoke');

  token
    .command('create <user>')
    .description('create an API token that acts as <user> with a role; prints the token once')
    .addOption(new Option('--role <role>', 'what the token may do').choices(TOKEN_ROLES).makeOptionMandatory())
    .option('--name <label>', 'a label for lists (1 to 64 characters)')
    .addOption(
      new Option('--expires-in <duration>', `how long it is valid (1m to 366d), or never`)
        .argParser(parseExpiryArg)
        .default(TOKEN_DEFAULT_EXPIRY_MS, formatDuration(TOKEN_DEFAULT_EXPIRY_MS)),
    )
    .addOption(
      new Option('--workspace <owner/name>', 'a reporter token: the one workspace it reports for').argParser((text: string) => {
        const r = parseWorkspaceRef(text);
        return `${r.owner}/${r.name}`;
      }),
    )
    .option('--template <name>', 'a reporter token: a template whose workspaces it reports for (repeatable)', collect)
    .action(
      action(
        async (
          ctx,
          user: string,
          opts: { role: TokenRole; name?: string; expiresIn: number | 'never'; workspace?: string; template?: string[] },
        ) => {
          const ops = await ctx.ops();
          const { token: secret, record } = await ops.tokens.create({
            user,
            role: opts.role,
            name: opts.name ?? null,
            expiresInMs: opts.expiresIn === 'never' ? null : opts.expiresIn,
            ...(opts.workspace !== undefined ? { workspace: opts.workspace } : {}),
            ...(opts.template !== undefined ? { templates: opts.template } : {}),
          });
          if (ctx.json) note(NOT_SHOWN_AGAIN);
          emit(
            ctx,
            { token: secret, ...tokenJson(record) },
            () => `token ${record.id} created\n${tokenFields(record)}\n${secret}\n\n${NOT_SHOWN_AGAIN}\n`,
          );
        },
      ),
    );

  token
    .command('list')
    .description('list API tokens, newest first (never their secrets)')
    .option('--user <username>', "only this user's tokens")
    .action(
      action(async (ctx, opts: { user?: string }) => {
        const ops = await ctx.ops();
        const filter = opts.user === undefined ? {} : { user: opts.user };
        await printPages(ctx, {
          next: (cursor) => ops.tokens.list(filter, { cursor }),
          json: tokenJson,
          headers: ['ID', 'USER', 'ROLE', 'NAME', 'SCOPE', 'STATUS', 'EXPIRES', 'LAST USED'],
          row: (t) => [
            t.id,
            t.username,
            t.role,
            t.name ?? '-',
            scopeText(t),
            t.status,
            t.expiresAt === null ? 'never' : formatInstant(t.expiresAt),
            formatInstant(t.lastUsedAt),
          ],
        });
      }),
    );

  token
    .command('revoke')
    .addArgument(new Argument('<id>', 'the token id, as `token list` shows it').argParser(parseTokenId))
    .description('revoke an API token: it stops working at once')
    .action(
      action(async (ctx, id: string) => {
        const ops = await ctx.ops();
        const record = await ops.tokens.revoke(id);
        emit(ctx, tokenJson(record), () => `token ${record.id} revoked\n${tokenFields(record)}`);
      }),
    );

  return token;
}

/** The id, or the id of a whole token pasted by mistake (its secret is not used, nor echoed). */
function parseTokenId(text: string): string {
  const whole = /^abk_([a-z0-9]{12})_/.exec(text.trim());
  const id = whole ? whole[1]! : text.trim();
  if (!/^[a-z0-9]{12}$/.test(id)) throw new InvalidArgumentError('a token id is 12 letters and digits, as `token list` shows it');
  return id;
}

function scopeText(t: TokenRecord): string {
  if (t.scope.workspace !== null || t.scope.workspaceId !== null) return `workspace ${t.scope.workspace ?? t.scope.workspaceId}`;
  if (t.scope.templateIds.length > 0)
    return `templates ${(t.scope.templates.length > 0 ? t.scope.templates : t.scope.templateIds).join(',')}`;
  return '-';
}

function tokenFields(t: TokenRecord): string {
  return formatFields([
    ['id', t.id],
    ['user', t.username],
    ['role', t.role],
    ['name', t.name],
    ['scope', scopeText(t)],
    ['status', t.status],
    ['created', formatInstant(t.createdAt)],
    ['expires', t.expiresAt === null ? 'never' : formatInstant(t.expiresAt)],
    ['last used', formatInstant(t.lastUsedAt)],
    ['revoked', formatInstant(t.revokedAt)],
  ]);
}
