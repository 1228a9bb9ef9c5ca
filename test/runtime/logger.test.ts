import { describe, expect, it } from 'vitest';
import { createLogger, temporalLogger } from '../../src/runtime/logger.js';

function capture(format: 'json' | 'pretty', level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  return { lines, log: createLogger({ level, format, write: (l) => lines.push(l) }) };
}

describe('logger', () => {
  it('writes one JSON object per line with time, level, message and fields', () => {
    const { lines, log } = capture('json');
    log.child({ workspaceId: 'w1' }).info('stopped', { transition: 'stop', reason: 'autostop' });
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: 'info', msg: 'stopped', workspaceId: 'w1', transition: 'stop', reason: 'autostop' });
    expect(new Date(entry.time).toString()).not.toBe('Invalid Date');
  });

  it('writes short readable lines on a terminal', () => {
    const { lines, log } = capture('pretty');
    log.warn('slow tick', { elapsedMs: 1200 });
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN  slow tick {2}elapsedMs=1200$/);
  });

  it('drops lines below the configured level', () => {
    const { lines, log } = capture('json', 'warn');
    log.info('hidden');
    log.debug('hidden');
    log.error('shown');
    expect(lines).toHaveLength(1);
  });

  it('never logs secrets: values under password, token, secret or API-key fields are masked', () => {
    const { lines, log } = capture('json');
    log.info('connecting', { password: 'hunter2', apiKey: 'k-123', authorization: 'Bearer x', token: 't', host: 'db' });
    expect(lines[0]).not.toMatch(/hunter2|k-123|Bearer x|"t"/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ password: '***', apiKey: '***', host: 'db' });
  });

  it("routes the Temporal SDK's log calls through the same logger", () => {
    const { lines, log } = capture('json', 'debug');
    const t = temporalLogger(log);
    t.warn('activity failed', { activityId: '1' });
    t.log('ERROR', 'bad', {});
    t.trace('fine detail');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error', 'debug']);
    expect(JSON.parse(lines[0]!)).toMatchObject({ source: 'temporal', activityId: '1' });
  });
});
