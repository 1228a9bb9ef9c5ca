// The one error the operations module throws for a request it refuses. Its
// message is one line that says what is wrong; nothing was changed.
export type OpsErrorCode =
  /** No such user, template, version, workspace or job. */
  | 'not_found'
  /** The input is malformed or out of range. */
  | 'invalid'
  /** The input is fine but the current state forbids it (a build is active, already stopped, a name is taken). */
  | 'conflict'
  /** waitForBuild gave up before the job finished. */
  | 'timeout';

export class OpsError extends Error {
  override readonly name = 'OpsError';
  constructor(
    readonly code: OpsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (message: string) => new OpsError('not_found', message);
export const invalid = (message: string) => new OpsError('invalid', message);
export const conflict = (message: string) => new OpsError('conflict', message);
