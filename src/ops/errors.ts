// The one error the operations module throws for a request it refuses. Its
// message is one line that says what is wrong; nothing was changed.
export type OpsErrorCode =
  /** No such user, template, version, workspace or job. */
  | 'not_found'
  /** The input is malformed or out of range. */
  | 'invalid'
  /** The input is well formed but the lifecycle policy refuses it (the template forbids it, past the max deadline). */
  | 'refused'
  /** The input is fine but the current state forbids it (a build is active, already stopped, a name is taken). */
  | 'conflict'
  /** An action link already used or expired (docs/rules.md#reminder-actions). */
  | 'gone'
  /** waitForBuild gave up before the job finished. */
  | 'timeout';

export class OpsError extends Error {
  override readonly name = 'OpsError';
  constructor(
    readonly code: OpsErrorCode,
    message: string,
    /** The input the error is about, as the operation names it (`autostart schedule`, `TTL`); absent when it is about no one input. */
    readonly field?: string,
  ) {
    super(oneLine(message));
  }
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A message stays one line whatever input it quotes (`no user a<LF>b`): line
 * breaks and other control characters are written as escapes (`\n`,
 * `\u001b`), so that a log line or a terminal shows them instead of acting on them.
 */
export function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const notFound = (message: string) => new OpsError('not_found', message);
export const invalid = (message: string, field?: string) => new OpsError('invalid', message, field);
export const refused = (message: string, field?: string) => new OpsError('refused', message, field);
export const conflict = (message: string) => new OpsError('conflict', message);
export const gone = (message: string) => new OpsError('gone', message);
