// One structured logger for the whole process, on pino: JSON lines when stdout is
// not a terminal (for log shippers), short readable lines on a terminal (pino-pretty,
// in this thread). The worker's Temporal logger is routed here too (see temporalLogger).
//
// Every record goes through one pass of our own (`clean`) before pino sees it: it
// masks secrets, serializes Errors with their stacks and makes any value (cycles,
// BigInt, getters that throw) safe to print. Why not pino's `redact` and
// serializers: `redact` takes fixed paths (`a.b.password`, one `*` per level),
// so a secret at a depth or under a name nobody listed (a provider's error
// object, a URL inside a message) would be written; a secret is recognized
// here by its name at any depth, and inside strings.
import type { LogMetadata, LogLevel as TemporalLevel, Logger as TemporalLogger } from '@temporalio/common';
import pino from 'pino';
import PinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.js';
import { isSecretName } from './secrets.js';

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat | 'auto';
  /** Receives each record as one string without the trailing newline (default: process.stdout). */
  write?: (line: string) => void;
  /** Whether the destination is a terminal: picks `auto`'s format, and colors in `pretty`. */
  isTTY?: boolean;
}

export function createLogger(opts: LoggerOptions, base: Fields = {}): Logger {
  const tty = opts.isTTY ?? process.stdout.isTTY === true;
  const format: LogFormat = opts.format === 'auto' ? (tty ? 'pretty' : 'json') : opts.format;
  // Without `write` the destination is stdout; with it, colors only when the caller says it is a terminal.
  const colorize = opts.write ? opts.isTTY === true : tty;
  const out = opts.write ?? ((line: string) => void process.stdout.write(`${line}\n`));

  let write: (chunk: string) => void;
  if (format === 'json') {
    write = (chunk) => out(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk);
  } else {
    // pino-pretty's prettifier called synchronously in this thread, rather than its stream or a
    // transport (worker thread): a line is written before the log call returns, and in order.
    const prettify = prettyPrinter(colorize);
    write = (chunk) => {
      let line: string;
      try {
        line = prettify(chunk) ?? '';
      } catch {
        line = chunk;
      }
      if (line.endsWith('\n')) line = line.slice(0, -1);
      if (line) out(line);
    };
  }

  const root = pino(
    {
      level: opts.level,
      base: null, // no pid and hostname on every line: one process per container, the shipper knows both
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write },
  );
  return wrap(root, cleanFields(base));
}

// Children share the root pino instance and merge their fields into each record themselves:
// pino's child bindings are written next to the call's fields without de-duplication, so a key in
// both would appear twice in one JSON object ({"a":1,"a":2}); here the call's value wins, once.
function wrap(root: pino.Logger, base: Fields): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Fields) => {
    if (!root.isLevelEnabled(level)) return;
    root[level](fields === undefined ? base : { ...base, ...cleanFields(fields) }, maskText(String(msg)));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => wrap(root, { ...base, ...cleanFields(fields) }),
  };
}

// ---------------------------------------------------------------------------------------------
// Secrets, Errors and odd values

/** `scheme://user:password@` — the password part, up to the last `@` of the authority. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#]*@/gi;
/** `?name=value`, `&name=value`, `;name=value` or ` name=value` (libpq keyword strings). */
const PARAM = /(^|[?&;\s])([\w.-]+)=("[^"]*"|'[^']*'|[^&#;\s]*)/g;
/** Deeper than this a value is summarized: logging must not recurse without bound. */
const MAX_DEPTH = 12;
/** Keys pino writes itself; a field with one of these names is renamed rather than written twice. */
const RESERVED = new Set(['level', 'time', 'msg']);

/** Masks URL passwords and secret query/DSN parameters wherever they appear in a string. */
function maskText(text: string): string {
  if (!text.includes('=') && !text.includes('@')) return text;
  return text
    .replace(URL_PASSWORD, '$1***@')
    .replace(PARAM, (all, sep: string, name: string, value: string) => (value && isSecretName(name) ? `${sep}${name}=***` : all));
}

function cleanFields(fields: unknown): Fields {
  const cleaned = clean(fields, 0, []);
  const record: Fields =
    cleaned !== null && typeof cleaned === 'object' && !Array.isArray(cleaned) ? (cleaned as Fields) : { fields: cleaned };
  for (const key of Object.keys(record)) {
    if (RESERVED.has(key)) {
      record[`_${key}`] = record[key];
      delete record[key];
    }
  }
  return record;
}

/**
 * A copy of `value` that is safe to log: values under secret-looking keys become `***` at any
 * depth, strings have URL passwords and secret parameters masked, Errors take pino's
 * `stdSerializers.err` shape ({ type, message, stack, code?, … }), cycles become `[Circular]`, and
 * BigInt, Map, Set, binary data, functions and throwing getters become something printable.
 *
 * pino's own `redact` option is not enough here: it takes explicit paths (`a.b.password`,
 * `*.token`) and cannot match a key at an arbitrary depth or inside arrays of arbitrary nesting,
 * and its serializers only see top-level keys; so this one recursive pass does both jobs.
 */
function clean(value: unknown, depth: number, ancestors: object[]): unknown {
  switch (typeof value) {
    case 'string':
      return maskText(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.includes(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return Array.isArray(obj) ? '[Array]' : '[Object]';
  ancestors.push(obj);
  try {
    if (obj instanceof Error) return clean(serializeError(obj), depth, ancestors);
    if (Array.isArray(obj)) return obj.map((item) => clean(item, depth + 1, ancestors));
    if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} ${obj.byteLength} bytes]`;
    if (obj instanceof Map) {
      const entries = [...obj];
      return cleanEntries(
        entries.map(([key]) => String(key)),
        (_, i) => entries[i]?.[1],
        depth,
        ancestors,
      );
    }
    if (obj instanceof Set) return [...obj].map((item) => clean(item, depth + 1, ancestors));
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return clean(toJSON.call(obj), depth, ancestors); // Date, URL, …
    const keys = Object.keys(obj);
    return cleanEntries(keys, (key) => (obj as Record<string, unknown>)[key], depth, ancestors);
  } catch (err) {
    return `[Unserializable: ${err instanceof Error ? err.message : String(err)}]`;
  } finally {
    ancestors.pop();
  }
}

/** Cleans `keys` with the values `read` gives; a getter that throws spoils only its own key. */
function cleanEntries(keys: string[], read: (key: string, index: number) => unknown, depth: number, ancestors: object[]): Fields {
  const out: Fields = {};
  for (const [i, key] of keys.entries()) {
    let value: unknown;
    if (isSecretName(key)) value = '***';
    else {
      try {
        value = clean(read(key, i), depth + 1, ancestors);
      } catch (err) {
        value = `[Unreadable: ${err instanceof Error ? err.message : String(err)}]`;
      }
    }
    // Defined, not assigned: a `__proto__` key (JSON.parse makes them) stays a field instead of replacing the prototype.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function serializeError(err: Error): object {
  try {
    return pino.stdSerializers.err(err);
  } catch {
    return { type: err.name, message: err.message, stack: err.stack };
  }
}

// ---------------------------------------------------------------------------------------------
// Pretty output: `14:02:03 INFO:  message  key=value …`, one line per record, plus the stacks
// of top-level Error fields on the indented lines below it.

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const HAS_UNPRINTABLE = new RegExp(UNPRINTABLE.source);
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const LEVEL_WIDTH = 'ERROR'.length;

/** Control characters (newlines, NUL, ANSI escapes) and bidi overrides as visible escapes: one record stays one line. */
function escapeControls(text: string): string {
  return text.replace(UNPRINTABLE, (c) => NAMED_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    const plain = value !== '' && !/[\s"=\\]/.test(value) && !HAS_UNPRINTABLE.test(value);
    return plain ? value : `"${escapeControls(value.replace(/["\\]/g, '\\$&'))}"`;
  }
  return escapeControls(JSON.stringify(value) ?? String(value));
}

interface SerializedError {
  type: string;
  message: string;
  stack: string;
}

function isSerializedError(value: unknown): value is SerializedError {
  const v = value as Partial<SerializedError> | null;
  return typeof v === 'object' && v !== null && typeof v.type === 'string' && typeof v.message === 'string' && typeof v.stack === 'string';
}

function prettyPrinter(colorize: boolean): (chunk: string) => string | undefined {
  return PinoPretty.prettyFactory({
    colorize,
    translateTime: 'UTC:HH:MM:ss',
    // Only these two are left to pino-pretty's layout; every field goes through messageFormat, where it
    // is escaped. (Its own layout would print `name`, `pid`, `hostname` or `caller` fields raw in the
    // header, newlines included, and a top-level `type: 'Error'` as an error.)
    include: 'level,time',
    hideObject: true,
    customPrettifiers: { time: (time) => String(time) }, // no brackets around it
    messageFormat: (log, messageKey, _levelLabel, { colors }) => {
      const { [messageKey]: msg, level, time: _time, ...fields } = log;
      const pad = ' '.repeat(Math.max(0, LEVEL_WIDTH - String(level).length));
      const pairs: string[] = [];
      const stacks: string[] = [];
      for (const [key, value] of Object.entries(fields)) {
        const isError = isSerializedError(value);
        pairs.push(`${colors.magenta(escapeControls(key))}=${formatValue(isError ? value.message : value)}`);
        if (isError) stacks.push(...value.stack.split('\n').map((line) => colors.gray(`    ${escapeControls(line)}`)));
      }
      const head = `${pad}${escapeControls(String(msg ?? ''))}${pairs.length ? `  ${pairs.join(' ')}` : ''}`;
      return stacks.length ? `${head}\n${stacks.join('\n')}` : head;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Temporal

const TEMPORAL_LEVEL: Record<TemporalLevel, LogLevel> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** Adapts our logger to Temporal's Logger interface, for Runtime.install({ logger }). */
export function temporalLogger(log: Logger): TemporalLogger {
  const at = (level: TemporalLevel) => (message: string, meta?: LogMetadata) => {
    // The SDK's symbol-keyed metadata (its LogTimestamp) is dropped: records carry string keys only.
    log[TEMPORAL_LEVEL[level] ?? 'info'](message, { source: 'temporal', ...meta });
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
