// How a failed command ends: one line on stderr and an exit code that tells a
// script what kind of failure it was (docs/cli.md, "Exit codes").

export const EXIT = {
  ok: 0,
  /** Bad input, or an operation the engine refused. Nothing changed. */
  refused: 1,
  /** A dependency did not answer: the database, Temporal, or a worker on the task queue. */
  unavailable: 2,
  /** Ctrl-C during a wait (128 + SIGINT). What was started keeps running. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.refused,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export { isUnreachable } from '../runtime/unreachable.js';

export const unavailable = (message: string, cause?: unknown) => new CliError(message, EXIT.unavailable, { cause });

export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim() || (err instanceof Error ? err.name : 'unknown error');
}
