// Who asks for a change: every change made through the operations module is
// audited under an actor (docs/operations.md#audit-log). An API caller is the
// user its token belongs to; the CLI is `cli:<operating-system user>`.
import { userInfo } from 'node:os';
import { invalid } from './errors.js';

export interface Actor {
  /** The user acting, or null for the CLI (an operator on the machine). */
  userId: string | null;
  /** The username for API callers; `cli:<operating-system user>` for the CLI. */
  name: string;
  /** The API token the request came with, or null. */
  tokenId: string | null;
}

let cli: Actor | undefined;

/** The actor of an Ops without one: the operating-system user running the process, `cli:unknown` if it has no name. */
export function cliActor(): Actor {
  if (cli === undefined) {
    let user = '';
    try {
      user = userInfo().username;
    } catch {
      // No passwd entry for this uid (a container): the name stays unknown.
    }
    cli = { userId: null, name: `cli:${user.trim() || 'unknown'}`, tokenId: null };
  }
  return cli;
}

/** An actor as given to `Ops.as`, checked: the audit log needs a name. */
export function checkedActor(actor: Actor): Actor {
  if (actor === null || typeof actor !== 'object') throw invalid('invalid actor: expected { userId, name, tokenId }');
  const { userId, name, tokenId } = actor;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) throw invalid('invalid actor name: 1 to 200 characters');
  if (userId !== null && typeof userId !== 'string') throw invalid('invalid actor user id: a user id or null');
  if (tokenId !== null && typeof tokenId !== 'string') throw invalid('invalid actor token id: a token id or null');
  return { userId, name, tokenId };
}
