// One structured logger for the whole process: JSON lines when stdout is not a
// terminal (for log shippers), short readable lines on a terminal. The worker's
// Temporal logger is routed here too (see temporalLogger).
import type { LogLevel as TemporalLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { LogFormat, LogLevel } from './config.js';

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|cookie/i;

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat | 'auto';
  write?: (line: string) => void;
  isTTY?: boolean;
}

export function createLogger(opts: LoggerOptions, base: Fields = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const format: LogFormat = opts.format === 'auto' ? ((opts.isTTY ?? process.stdout.isTTY) ? 'pretty' : 'json') : opts.format;
  const emit = (level: LogLevel, msg: string, fields?: Fields) => {
    if (RANK[level] < RANK[opts.level]) return;
    const all = redact({ ...base, ...fields });
    if (format === 'json') {
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }));
    } else {
      const extras = Object.entries(all).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      write(
        `${new Date().toISOString().slice(11, 19)} ${level.toUpperCase().padEnd(5)} ${msg}${extras.length ? '  ' + extras.join(' ') : ''}`,
      );
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...opts, format }, { ...base, ...fields }),
  };
}

/** Secrets never reach a log line: values under secret-looking keys are masked. */
function redact(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEY.test(k)) out[k] = '***';
    else if (v instanceof Error) out[k] = v.message;
    else out[k] = v;
  }
  return out;
}

const TEMPORAL_LEVEL: Record<TemporalLevel, LogLevel> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** Adapts our logger to Temporal's Logger interface, for Runtime.install({ logger }). */
export function temporalLogger(log: Logger): TemporalLogger {
  const at = (level: TemporalLevel) => (message: string, meta?: LogMetadata) => {
    // The SDK reports webpack's whole bundle listing at INFO; it is only useful when debugging.
    const ours = message.startsWith('asset workflow-bundle') ? 'debug' : TEMPORAL_LEVEL[level];
    log[ours](message, { source: 'temporal', ...meta });
  };
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}
