// docs/rules.md#reminder-actions: the links a notification carries so that its
// reader can act on it. The token is the capability: 32 random bytes, in the
// link's path (never its query string, which proxies and scanners log), kept in
// the database only as its SHA-256, single use, expiring with what it acts on.
import { createHash, randomBytes } from 'node:crypto';
import type { PoolClient } from '../db/pool.js';
import { insertReminderAction, type ReminderAction } from '../db/sql/reminder-actions.js';

/** The path every action link lives under: `<public URL>/actions/<token>`. */
export const ACTIONS_PATH = '/actions';

export const hashActionToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** A new single-use link for `action` on the workspace, valid until `expiresAt`; call inside the notification's transaction. */
export async function createActionLink(
  client: PoolClient,
  publicUrl: string,
  link: { workspaceId: string; action: ReminderAction; expiresAt: Date },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await insertReminderAction(client, { ...link, tokenHash: hashActionToken(token) });
  return `${publicUrl}${ACTIONS_PATH}/${token}`;
}

const TOKEN_IN_PATH = /\/actions\/[A-Za-z0-9_-]+/g;

/** The same text or value with every action link's token replaced: what a log line may show. */
export function redactActionLinks<T>(value: T): T {
  if (typeof value === 'string') return value.replace(TOKEN_IN_PATH, `${ACTIONS_PATH}/<redacted>`) as T;
  if (Array.isArray(value)) return value.map(redactActionLinks) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactActionLinks(v)])) as T;
  }
  return value;
}
