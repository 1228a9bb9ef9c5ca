// API tokens (docs/operations.md#api-tokens): `abk_<id>_<secret>`, shown once
// when created; the database keeps only the SHA-256 of the secret. A token
// acts as its user with a role; a reporter token is limited to one workspace
// or to templates. Creating and revoking are audited; authenticating is not.
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { PoolClient } from '../db/pool.js';
import { findTemplate } from '../db/sql/templates.js';
import {
  findToken,
  insertToken,
  listTokens,
  revokeToken,
  type TokenRole,
  type TokenRow,
  tokenCredentials,
  touchToken,
} from '../db/sql/tokens.js';
import { findUser } from '../db/sql/users.js';
import { resolveWorkspaceId } from '../db/sql/workspaces.js';
import { DAY, formatDuration, MINUTE } from '../lifecycle/index.js';
import { recordAudit } from './audit.js';
import { type OpsDeps, transaction } from './context.js';
import { conflict, invalid, notFound } from './errors.js';
import { type Page, type PageRequest, pageQuery, toPage } from './pages.js';
import * as v from './validate.js';

export type { TokenRole } from '../db/sql/tokens.js';
/** A token's role (the API decides what each allows). */
export type Role = TokenRole;
/** A token as listed: never its secret or hash. */
export type TokenRecord = TokenRow;

export const TOKEN_ROLES = ['member', 'template-admin', 'owner', 'reporter'] as const satisfies readonly TokenRole[];
export const TOKEN_DEFAULT_EXPIRY_MS = 90 * DAY;
export const TOKEN_MAX_EXPIRY_MS = 366 * DAY;
/** At most this many templates in a reporter's scope. */
export const TOKEN_MAX_TEMPLATES = 100;
const TOKEN_MIN_EXPIRY_MS = MINUTE;
const NAME_MAX = 64;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 12;
/** `abk_`, 12 characters of [a-z0-9], `_`, and the secret: 32 bytes as base64url (43 characters, which may include `_`). */
const TOKEN_SHAPE = /^abk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface CreateTokenInput {
  /** Username or id of the user the token acts as. */
  user: string;
  role: TokenRole;
  /** A label, 1 to 64 characters. */
  name?: string | null;
  /** Milliseconds from now, 1 minute to 366 days; absent = 90 days; null = never expires. */
  expiresInMs?: number | null;
  /** A reporter's scope: one workspace (`owner/name` or id)… */
  workspace?: string;
  /** …or one or more templates (names or ids). */
  templates?: readonly string[];
}

export interface CreatedToken {
  /** `abk_<id>_<secret>`: the only time it is shown. */
  token: string;
  record: TokenRecord;
}

/** Who a valid token speaks for. */
export interface Principal {
  tokenId: string;
  userId: string;
  username: string;
  role: TokenRole;
  scope: { workspaceId: string | null; templateIds: string[] };
}

export class TokenOps {
  constructor(private readonly deps: OpsDeps) {}

  async create(input: CreateTokenInput): Promise<CreatedToken> {
    const role = v.oneOf('role', input.role, TOKEN_ROLES);
    const name = input.name == null ? null : label(input.name);
    const expiresInMs = expiry(input.expiresInMs);
    const templateRefs = input.templates === undefined ? [] : templateList(input.templates);
    const hasWorkspace = input.workspace !== undefined;
    if (hasWorkspace && (typeof input.workspace !== 'string' || input.workspace === '')) {
      throw invalid('invalid workspace: use owner/name or an id');
    }
    if (role === 'reporter') {
      if (hasWorkspace === templateRefs.length > 0) {
        throw invalid('a reporter token needs exactly one scope: a workspace, or one or more templates');
      }
    } else if (hasWorkspace || templateRefs.length > 0) {
      throw invalid(`a ${role} token takes no scope: only reporter tokens are limited to a workspace or templates`);
    }

    const id = randomId();
    const secret = randomBytes(32).toString('base64url');
    const record = await transaction(this.deps, async (c) => {
      // Shared lock: a suspension committing meanwhile is seen, not overtaken.
      const user = await findUser(c, input.user, { lock: 'share' });
      if (user === null) throw notFound(`no user ${input.user}`);
      if (user.status === 'suspended') throw conflict(`user ${user.username} is suspended: a token of theirs would not authenticate`);
      const workspaceId = hasWorkspace ? await liveWorkspace(c, input.workspace!) : null;
      const templateIds = templateRefs.length > 0 ? await templateIdsOf(c, templateRefs) : null;
      const inserted = await insertToken(c, {
        id,
        userId: user.id,
        role,
        name,
        secretHash: sha256(secret),
        workspaceId,
        templateIds,
        expiresInMs,
      });
      // 36^12 ids: a collision is a (practically impossible) refusal to retry, never a silent overwrite.
      if (!inserted) throw conflict('token id collision: try again');
      const record = (await findToken(c, id))!;
      await recordAudit(c, this.deps, {
        action: 'token.create',
        userId: user.id,
        workspaceId: null,
        before: null,
        after: {
          id,
          name,
          role,
          user: user.username,
          scope: { workspaceId, templateIds: templateIds ?? [] },
          expiresAt: record.expiresAt,
        },
      });
      return record;
    });
    return { token: `abk_${id}_${secret}`, record };
  }

  async get(id: string): Promise<TokenRecord> {
    const token = typeof id === 'string' ? await findToken(this.deps.pool, id) : null;
    if (token === null) throw notFound(`no token ${id}`);
    return token;
  }

  /** A page of tokens, newest first, of one user or of all. */
  async list(filter: { user?: string } = {}, page: PageRequest = {}): Promise<Page<TokenRecord>> {
    const { limit, after } = pageQuery(page, 2);
    let cursor: { createdAt: Date; id: string } | null = null;
    if (after !== null) {
      const createdAt = new Date(after[0]!);
      if (Number.isNaN(createdAt.getTime())) throw invalid('invalid cursor: pass back the nextCursor of the previous page');
      cursor = { createdAt, id: after[1]! };
    }
    let userId: string | null = null;
    if (filter.user !== undefined) {
      const user = await findUser(this.deps.pool, filter.user);
      if (user === null) throw notFound(`no user ${filter.user}`);
      userId = user.id;
    }
    const rows = await listTokens(this.deps.pool, { userId }, { after: cursor, limit: limit + 1 });
    return toPage(rows, limit, (t) => [t.createdAt.toISOString(), t.id]);
  }

  /** Revokes a token at once: it no longer authenticates. */
  async revoke(id: string): Promise<TokenRecord> {
    return transaction(this.deps, async (c) => {
      const token = typeof id === 'string' ? await findToken(c, id, { lock: 'update' }) : null;
      if (token === null) throw notFound(`no token ${id}`);
      if (token.revokedAt !== null) throw conflict(`token ${token.id} was already revoked at ${token.revokedAt.toISOString()}`);
      const revokedAt = await revokeToken(c, token.id);
      await recordAudit(c, this.deps, {
        action: 'token.revoke',
        userId: token.userId,
        before: { id: token.id, revokedAt: null },
        after: { id: token.id, revokedAt },
      });
      return { ...token, status: 'revoked', revokedAt };
    });
  }

  /**
   * The principal of a bearer token, or null when it is malformed, unknown,
   * wrong, revoked, expired, or its user is suspended. Never throws for a bad
   * token, and says nothing about which of these it was.
   */
  async authenticate(bearer: string): Promise<Principal | null> {
    const match = typeof bearer === 'string' ? TOKEN_SHAPE.exec(bearer) : null;
    if (match === null) return null;
    const [, id, secret] = match as unknown as [string, string, string];
    const stored = await tokenCredentials(this.deps.pool, id);
    // Compared even for an unknown id, so the answer takes as long either way.
    const hash = sha256(secret);
    const equal = timingSafeEqual(hash, stored?.secretHash.length === hash.length ? stored.secretHash : UNKNOWN_HASH);
    if (stored === null || !equal || stored.revoked || stored.expired || stored.userStatus === 'suspended') return null;
    await touchToken(this.deps.pool, id);
    return {
      tokenId: stored.id,
      userId: stored.userId,
      username: stored.username,
      role: stored.role,
      scope: { workspaceId: stored.workspaceId, templateIds: stored.templateIds },
    };
  }
}

const UNKNOWN_HASH = Buffer.alloc(32);

const sha256 = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/** 12 characters of [a-z0-9], uniformly drawn. */
function randomId(): string {
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

function label(value: unknown): string {
  // Printable, one line: a label is shown in lists and tables.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (typeof value !== 'string' || value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid(`invalid token name: use 1 to ${NAME_MAX} printable characters`);
  }
  if (value.length > NAME_MAX) throw invalid(`invalid token name: at most ${NAME_MAX} characters (got ${value.length})`);
  return value;
}

function expiry(value: number | null | undefined): number | null {
  if (value === undefined) return TOKEN_DEFAULT_EXPIRY_MS;
  if (value === null) return null;
  const ms = v.durationMs('token expiry', value, TOKEN_MAX_EXPIRY_MS);
  if (ms < TOKEN_MIN_EXPIRY_MS) {
    throw invalid(`invalid token expiry ${formatDuration(ms)}: at least 1m (or never)`);
  }
  return ms;
}

function templateList(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string' || t === '')) {
    throw invalid('invalid templates: a list of template names or ids');
  }
  if (value.length > TOKEN_MAX_TEMPLATES) {
    throw invalid(`invalid templates: at most ${TOKEN_MAX_TEMPLATES} in one token's scope (got ${value.length})`);
  }
  return value as string[];
}

async function liveWorkspace(c: PoolClient, ref: string): Promise<string> {
  const id = await resolveWorkspaceId(c, ref, { includeDeleted: false });
  if (id === null) throw notFound(`no workspace ${ref}`);
  return id;
}

/** The ids of the templates named, each once, in the order given. */
async function templateIdsOf(c: PoolClient, refs: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const ref of refs) {
    const template = await findTemplate(c, ref);
    if (template === null) throw notFound(`no template ${ref}`);
    if (!ids.includes(template.id)) ids.push(template.id);
  }
  return ids;
}
