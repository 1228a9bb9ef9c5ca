// Long waits (a build, a tick, a re-evaluation): a one-line spinner with the
// elapsed time on a terminal, nothing otherwise, and Ctrl-C ends the wait
// (exit 130) without undoing what was started: the engine finishes it.
import { CliError, EXIT } from './errors.js';

const FRAMES = ['|', '/', '-', '\\'];

export interface Progress {
  /** Replace the label, e.g. when a build moves from pending to running. */
  update(label: string): void;
  /** Aborted when the user presses Ctrl-C. */
  readonly signal: AbortSignal;
}

/**
 * Runs `work` with a spinner on stderr when it is a terminal. On Ctrl-C the
 * returned promise rejects with a CliError (exit 130) whose message is
 * `interrupted` plus `onInterrupt` (what keeps running and how to follow it).
 */
export async function withProgress<T>(
  label: string,
  onInterrupt: string,
  work: (progress: Progress) => Promise<T>,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<T> {
  const controller = new AbortController();
  const started = Date.now();
  let current = label;
  let frame = 0;
  const tty = stream.isTTY === true;
  const draw = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current} (${seconds}s, Ctrl-C to stop waiting)`);
  };
  const timer = tty ? setInterval(draw, 250) : undefined;
  if (tty) draw();

  let onSigint!: () => void;
  const interrupted = new Promise<never>((_, reject) => {
    onSigint = () => {
      // Settle first, so that the race reports the interruption rather than what the abort makes `work` throw.
      reject(new CliError(`interrupted; ${onInterrupt}`, EXIT.interrupted));
      controller.abort();
    };
  });
  process.once('SIGINT', onSigint);
  try {
    return await Promise.race([work({ update: (l) => (current = l), signal: controller.signal }), interrupted]);
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (timer) clearInterval(timer);
    if (tty) stream.write('\r\x1b[2K');
  }
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
