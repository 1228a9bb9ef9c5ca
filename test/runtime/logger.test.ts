import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions, temporalLogger } from '../../src/runtime/logger.js';

function capture(format: LoggerOptions['format'], level: LoggerOptions['level'] = 'info', extra: Partial<LoggerOptions> = {}) {
  const lines: string[] = [];
  return { lines, log: createLogger({ level, format, write: (l) => lines.push(l), ...extra }) };
}

/** Logs `fields` as JSON and returns the parsed record. */
function logged(fields: Record<string, unknown>, msg = 'm') {
  const { lines, log } = capture('json');
  log.info(msg, fields);
  expect(lines).toHaveLength(1);
  const line = first(lines);
  return { line, entry: JSON.parse(line) };
}

function first(lines: string[]): string {
  return lines[0] ?? '';
}

function thrown(message: string, props: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), props);
}

describe('logger: JSON lines', () => {
  it('writes one JSON object per record: ISO time, level label, msg, base and child fields at the top level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', write: (l) => lines.push(l) }, { service: 'autobuild' });
    log.child({ workspaceId: 'w1' }).info('stopped', { transition: 'stop', reason: 'autostop' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/\n/); // `write` gets the line without its newline
    const entry = JSON.parse(first(lines));
    expect(entry).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      msg: 'stopped',
      service: 'autobuild',
      workspaceId: 'w1',
      transition: 'stop',
      reason: 'autostop',
    });
    expect(Math.abs(Date.parse(entry.time) - Date.now())).toBeLessThan(60_000);
    expect(entry).not.toHaveProperty('pid');
    expect(entry).not.toHaveProperty('hostname');
  });

  it("labels each method's level and drops records below the configured one", () => {
    const { lines, log } = capture('json', 'warn');
    log.debug('hidden');
    log.info('hidden');
    log.warn('shown');
    log.error('shown');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error']);

    const all = capture('json', 'debug');
    all.log.debug('d');
    all.log.info('i');
    expect(all.lines.map((l) => JSON.parse(l).level)).toEqual(['debug', 'info']);
  });

  it("gives a call's field precedence over a child's, written once; nested children accumulate", () => {
    const { lines, log } = capture('json');
    log.child({ a: 1, b: 1 }).child({ b: 2, c: 2 }).info('m', { c: 3 });
    expect(first(lines).match(/"c":/g)).toHaveLength(1); // no {"c":2,"c":3}
    expect(JSON.parse(first(lines))).toMatchObject({ a: 1, b: 2, c: 3 });
  });

  it('keeps level, time and msg its own: a field with one of those names is renamed, not duplicated', () => {
    const { line, entry } = logged({ level: 7, time: 'yesterday', msg: 'other' }, 'real');
    expect(line.match(/"level":/g)).toHaveLength(1);
    expect(entry).toMatchObject({ level: 'info', msg: 'real', _level: 7, _time: 'yesterday', _msg: 'other' });
  });

  it('chooses JSON for `auto` when the destination is not a terminal, pretty when it is', () => {
    const json = capture('auto', 'info', { isTTY: false });
    json.log.info('x');
    expect(JSON.parse(first(json.lines))).toMatchObject({ msg: 'x' });
    const pretty = capture('auto', 'info', { isTTY: true });
    pretty.log.info('x');
    expect(pretty.lines[0]).toContain('INFO');
  });
});

describe('logger: secrets never reach a line', () => {
  it('masks values under password, token, secret, API-key, authorization and cookie keys', () => {
    const { line, entry } = logged({
      password: 'hunter2',
      apiKey: 'k-123',
      api_key: 'k-456',
      authorization: 'Bearer x',
      token: 't0k',
      sessionCookie: 'c=1',
      clientSecret: 's3',
      host: 'db',
    });
    expect(line).not.toMatch(/hunter2|k-123|k-456|Bearer x|t0k|c=1|s3/);
    expect(entry).toMatchObject({ password: '***', apiKey: '***', authorization: '***', token: '***', host: 'db' });
  });

  it('masks them at any depth: an object in an array in an object, a Map, a child binding, an Error property', () => {
    const { line, entry } = logged({
      request: { attempts: [{ url: 'https://x', headers: { Authorization: 'Bearer deep' } }, { password: 'in-array' }] },
      settings: new Map<string, unknown>([
        ['dbPassword', 'in-map'],
        ['port', 5432],
      ]),
      error: thrown('denied', { token: 'on-error' }),
    });
    expect(line).not.toMatch(/Bearer deep|in-array|in-map|on-error/);
    expect(entry.request.attempts).toEqual([{ url: 'https://x', headers: { Authorization: '***' } }, { password: '***' }]);
    expect(entry.settings).toEqual({ dbPassword: '***', port: 5432 });
    expect(entry.error.token).toBe('***');

    const { lines, log } = capture('json');
    log.child({ provisioner: { env: [{ GITHUB_TOKEN: 'ghp_child' }] } }).info('m');
    expect(lines[0]).not.toContain('ghp_child');
  });

  it('masks the password of a URL and secret query parameters wherever a string carries them, message included', () => {
    const { line, entry } = logged(
      {
        databaseUrl: 'postgres://app:s3cret@db.internal:5432/autobuild?sslmode=require&sslpassword=kp',
        nested: { hooks: ['https://hooks.example/x?token=tk1&channel=ops', 'http://h/p?api_key=ak1#frag'] },
        dsn: 'host=db user=app password=pw1 dbname=autobuild',
        note: 'retrying redis://default:rp@cache:6379 in 2s',
        plain: 'https://user@example.com/path?key=&page=2',
      },
      'cannot reach postgres://app:msgpw@db/autobuild',
    );
    expect(line).not.toMatch(/s3cret|kp\b|tk1|ak1|pw1|rp@|msgpw/);
    expect(entry.databaseUrl).toBe('postgres://app:***@db.internal:5432/autobuild?sslmode=require&sslpassword=***');
    expect(entry.nested.hooks).toEqual(['https://hooks.example/x?token=***&channel=ops', 'http://h/p?api_key=***#frag']);
    expect(entry.dsn).toBe('host=db user=app password=*** dbname=autobuild');
    expect(entry.note).toBe('retrying redis://default:***@cache:6379 in 2s');
    expect(entry.msg).toBe('cannot reach postgres://app:***@db/autobuild');
    // Nothing to hide: a user without password, an empty parameter, ordinary parameters.
    expect(entry.plain).toBe('https://user@example.com/path?key=&page=2');
  });
});

describe('logger: errors and odd values', () => {
  it('serializes an Error under any key as { type, message, stack, code } with its stack', () => {
    const err = thrown('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' });
    const { entry } = logged({ error: err, attempts: [{ failure: new TypeError('bad input') }] });
    expect(entry.error).toEqual({ type: 'Error', message: err.message, stack: err.stack, code: 'ECONNREFUSED' });
    expect(entry.error.stack).toMatch(/\n\s+at /);
    expect(entry.attempts[0].failure).toMatchObject({
      type: 'TypeError',
      message: 'bad input',
      stack: expect.stringContaining('TypeError: bad input'),
    });
  });

  it('masks secrets inside an error message and stack', () => {
    const { line, entry } = logged({ error: new Error('auth failed for postgres://u:pw9@h/db') });
    expect(line).not.toContain('pw9');
    expect(entry.error.stack).toContain('postgres://u:***@h/db');
  });

  it('does not crash on cycles, BigInt, throwing getters or functions', () => {
    const cycle: Record<string, unknown> = { name: 'a' };
    cycle.self = cycle;
    const list: unknown[] = [1];
    list.push(list);
    const getter = {
      ok: 1,
      get broken(): never {
        throw new Error('nope');
      },
    };
    const selfish = thrown('loop');
    selfish.ctx = { err: selfish };
    const { entry } = logged({ cycle, list, big: 2n ** 70n, getter, fn: function named() {}, nan: Number.NaN, selfish });
    expect(entry.cycle).toEqual({ name: 'a', self: '[Circular]' });
    expect(entry.list).toEqual([1, '[Circular]']);
    expect(entry.big).toBe('1180591620717411303424');
    expect(entry.getter).toEqual({ ok: 1, broken: '[Unreadable: nope]' });
    expect(entry.fn).toBe('[Function named]');
    expect(entry.nan).toBe('NaN');
    expect(entry.selfish.ctx).toEqual({ err: '[Circular]' });
  });

  it('summarizes what is too deep, keeps a `__proto__` key as data, and prints dates, URLs, Sets and buffers', () => {
    let deep: Record<string, unknown> = { bottom: true };
    for (let i = 0; i < 30; i++) deep = { deeper: deep };
    const { line, entry } = logged({
      deep,
      parsed: JSON.parse('{"__proto__":{"polluted":1}}'),
      at: new Date(0),
      url: new URL('postgres://u:pw@h/db'),
      set: new Set(['a', 'b']),
      bytes: Buffer.from('secret bytes'),
    });
    expect(line).toContain('"[Object]"');
    expect(line).not.toContain('bottom');
    expect(line).toContain('"parsed":{"__proto__":{"polluted":1}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(entry).toMatchObject({
      at: '1970-01-01T00:00:00.000Z',
      url: 'postgres://u:***@h/db',
      set: ['a', 'b'],
      bytes: '[Buffer 12 bytes]',
    });
  });

  it('repeats a shared (not cyclic) object rather than calling it circular', () => {
    const shared = { id: 1 };
    expect(logged({ a: shared, b: [shared, shared] }).entry).toMatchObject({ a: { id: 1 }, b: [{ id: 1 }, { id: 1 }] });
  });
});

describe('logger: pretty lines', () => {
  it('writes a short readable line: time, level, message, key=value pairs', () => {
    const { lines, log } = capture('pretty', 'debug');
    log.warn('slow tick', { elapsedMs: 1200, reason: 'autostop', workspace: { id: 'w1' } });
    log.debug('detail');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN: {2}slow tick {2}elapsedMs=1200 reason=autostop workspace=\{"id":"w1"\}$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d DEBUG: detail$/);
  });

  it('keeps one record on one line: newlines, CR, NUL and escape sequences print as escapes', () => {
    const { lines, log } = capture('pretty');
    log.info('created\n12:00:00 ERROR: forged\u0000', { name: 'evil\r\nname', output: '\u001b[2Jcleared', 'k\ney': 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO: {2}created/); // `name` is a field like any other, not a raw header
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that none is left
    expect(lines[0]).not.toMatch(/[\u0000-\u001f]/);
    expect(lines[0]).toContain('created\\n12:00:00 ERROR: forged\\u0000');
    expect(lines[0]).toContain('name="evil\\r\\nname"');
    expect(lines[0]).toContain('output="\\u001b[2Jcleared"');
    expect(lines[0]).toContain('k\\ney=1');
  });

  it('quotes string values that would be ambiguous unquoted', () => {
    const { lines, log } = capture('pretty');
    log.info('m', { empty: '', spaced: 'a b', quoted: 'say "hi"', eq: 'a=b' });
    expect(lines[0]).toMatch(/ {2}empty="" spaced="a b" quoted="say \\"hi\\"" eq="a=b"$/);
  });

  it('prints an error field by its message on the line and its stack on the indented lines below', () => {
    const { lines, log } = capture('pretty');
    const err = new Error('boom');
    log.error('tick failed', { error: err, workspaceId: 'w1' });
    const [head, ...rest] = first(lines).split('\n');
    expect(head).toMatch(/^\d\d:\d\d:\d\d ERROR: tick failed {2}error=boom workspaceId=w1$/);
    expect(rest[0]).toBe('    Error: boom');
    expect(rest.length).toBeGreaterThan(1);
    expect(rest.every((l) => l.startsWith('    '))).toBe(true); // no stack line can pass for a record
  });

  it('masks secrets in pretty output too', () => {
    const { lines, log } = capture('pretty');
    log.info('m', { password: 'hunter2', url: 'postgres://u:pw@h/db', list: [{ token: 't1' }] });
    expect(lines[0]).not.toMatch(/hunter2|:pw@|t1/);
    expect(lines[0]).toContain('password=*** url=postgres://u:***@h/db list=[{"token":"***"}]');
  });

  it('colors only when the destination is a terminal', () => {
    const plain = capture('pretty');
    plain.log.error('m', { k: 'v' });
    expect(plain.lines[0]).not.toContain('\u001b[');
    const tty = capture('pretty', 'info', { isTTY: true });
    tty.log.error('m', { k: 'v' });
    expect(tty.lines[0]).toContain('\u001b[');
  });
});

describe('logger: Temporal adapter', () => {
  it("routes the Temporal SDK's log calls through the same logger, mapping TRACE/DEBUG to debug", () => {
    const { lines, log } = capture('json', 'debug');
    const t = temporalLogger(log.child({ component: 'temporal' }));
    t.trace('fine detail');
    t.debug('detail');
    t.info('worker started', { taskQueue: 'q' });
    t.warn('activity failed', { activityId: '1' });
    t.error('fatal', { error: new Error('x') });
    t.log('ERROR', 'bad', {});
    t.log('TRACE', 'traced');
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries.map((e) => e.level)).toEqual(['debug', 'debug', 'info', 'warn', 'error', 'error', 'debug']);
    expect(entries[3]).toMatchObject({ msg: 'activity failed', source: 'temporal', component: 'temporal', activityId: '1' });
    expect(entries[4].error).toMatchObject({ type: 'Error', message: 'x', stack: expect.any(String) });
  });

  it("keeps the SDK's string metadata and drops its symbol keys; filtering applies", () => {
    const { lines, log } = capture('json', 'info');
    const t = temporalLogger(log);
    t.trace('hidden');
    t.debug('hidden');
    t.info('core message', { sdkComponent: 'core', [Symbol.for('log_timestamp')]: 123n, password: 'pw' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(first(lines))).toEqual({
      level: 'info',
      time: expect.any(String),
      msg: 'core message',
      source: 'temporal',
      sdkComponent: 'core',
      password: '***',
    });
  });
});
