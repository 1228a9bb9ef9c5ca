// A background loop of the worker process: runs `once` now and again after
// the delay it returns, or at once when woken; an error is logged and the
// loop tries again after `fallbackMs`.
import type { Logger } from './logger.js';

export interface Loop {
  /** Runs the next round now (or right after the current one). */
  wake(): void;
  stop(): Promise<void>;
}

export function repeat(name: string, log: Logger, once: () => Promise<number>, fallbackMs = 10_000): Loop {
  let stopped = false;
  let woken = false;
  let timer: NodeJS.Timeout | undefined;
  let resume: () => void = () => {};
  const done = (async () => {
    while (!stopped) {
      woken = false;
      let delay = fallbackMs;
      try {
        delay = await once();
      } catch (err) {
        log.warn(`${name} failed; retrying`, { error: err as Error });
      }
      if (stopped) break;
      if (woken) continue; // a wake-up came while this round ran
      await new Promise<void>((resolve) => {
        resume = resolve;
        timer = setTimeout(resolve, delay);
      });
    }
  })();
  return {
    wake() {
      woken = true;
      clearTimeout(timer);
      resume();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      resume();
      await done;
    },
  };
}
