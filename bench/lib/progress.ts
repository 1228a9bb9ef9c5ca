// One self-rewriting status line on a terminal (stderr); silent otherwise, so
// logs and CI output stay clean. Finished steps are printed as lines.
export interface Progress {
  /** Replaces the status line. */
  update(text: string): void;
  /** Prints a permanent line (and keeps the status line below it). */
  log(text: string): void;
  done(): void;
}

/**
 * `trace` (BENCH_TRACE=1) prints every new status as its own timestamped line
 * instead: where a run spends its time, in a log.
 */
export function createProgress(opts: { stream?: NodeJS.WriteStream; enabled?: boolean; quiet?: boolean; trace?: boolean } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.trace ?? process.env.BENCH_TRACE === '1') return tracer(stream);
  const live = opts.enabled ?? Boolean(stream.isTTY);
  let current = '';
  const clear = () => {
    if (live && current) stream.write('\r\x1b[2K');
  };
  return {
    update(text) {
      if (!live) return;
      clear();
      current = text.slice(0, (stream.columns ?? 120) - 1);
      stream.write(current);
    },
    log(text) {
      if (opts.quiet) return;
      clear();
      stream.write(`${text}\n`);
      if (live && current) stream.write(current);
    },
    done() {
      clear();
      current = '';
    },
  };
}

function tracer(stream: NodeJS.WriteStream): Progress {
  const started = Date.now();
  let lastPhase = '';
  const line = (text: string) => stream.write(`${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s  ${text}\n`);
  return {
    update(text) {
      const phase = text.replace(/[\d.,/]+/g, '#'); // counters change; the phase is what matters
      if (phase !== lastPhase) line(text);
      lastPhase = phase;
    },
    log: line,
    done() {},
  };
}
