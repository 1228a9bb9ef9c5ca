// Pure formatting and parsing of the CLI, in process (no spawning).

import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../../src/cli/errors.js';
import { formatFields, formatInstant, formatRelative, formatTable } from '../../src/cli/format.js';
import { parseBooleanArg, parseDaysArg, parseDurationArg, parseInstantArg, parseWorkspaceRef } from '../../src/cli/parse.js';
import { describeFailure } from '../../src/cli/program.js';
import { withProgress } from '../../src/cli/progress.js';

describe('formatInstant', () => {
  const at = new Date('2026-03-02T08:00:00Z');
  it('names the zone and its offset, with the weekday', () => {
    expect(formatInstant(at, 'Europe/Berlin')).toBe('Mon 2026-03-02 09:00:00 +01:00 Europe/Berlin');
    expect(formatInstant(at, 'America/Chicago')).toBe('Mon 2026-03-02 02:00:00 -06:00 America/Chicago');
    expect(formatInstant(at, 'UTC')).toBe('Mon 2026-03-02 08:00:00 +00:00 UTC');
  });
  it('follows daylight saving time in the zone', () => {
    expect(formatInstant(new Date('2026-07-01T07:00:00Z'), 'Europe/Berlin')).toBe('Wed 2026-07-01 09:00:00 +02:00 Europe/Berlin');
  });
  it('prints unset as a dash', () => {
    expect(formatInstant(null)).toBe('-');
  });
});

describe('formatRelative', () => {
  const now = new Date('2026-03-02T08:00:00Z');
  it('rounds to minutes past an hour and to seconds below', () => {
    expect(formatRelative(new Date(now.getTime() + 2 * 3600_000 + 15 * 60_000 + 20_000), now)).toBe('in 2h15m');
    expect(formatRelative(new Date(now.getTime() - 90_000), now)).toBe('1m30s ago');
    expect(formatRelative(now, now)).toBe('now');
  });
});

describe('formatTable and formatFields', () => {
  it('aligns columns and leaves the last one unpadded', () => {
    expect(
      formatTable(
        ['A', 'LONG'],
        [
          ['xyz', '1'],
          ['p', '22'],
        ],
      ),
    ).toBe('A    LONG\nxyz  1\np    22\n');
  });
  it('aligns keys and prints null as a dash', () => {
    expect(
      formatFields([
        ['id', '1'],
        ['template', null],
      ]),
    ).toBe('id:        1\ntemplate:  -\n');
  });
});

describe('argument parsers', () => {
  it('durations through the core, in ms', () => {
    expect(parseDurationArg('8h')).toBe(8 * 3600_000);
    expect(parseDurationArg('0')).toBe(0);
    expect(() => parseDurationArg('8 hours')).toThrow(InvalidArgumentError);
    expect(() => parseDurationArg('8x')).toThrow(/invalid duration "8x": use a number with a unit/);
  });
  it('day lists through the core', () => {
    expect(parseDaysArg('mon-fri')).toEqual(['monday', 'tuesday', 'wednesday', 'thursday', 'friday']);
    expect(parseDaysArg('sat,sun')).toEqual(['saturday', 'sunday']);
    expect(parseDaysArg('all')).toHaveLength(7);
    expect(() => parseDaysArg('mon-funday')).toThrow(/invalid weekday "mon-funday"/);
  });
  it('booleans are exactly true or false', () => {
    expect(parseBooleanArg('true')).toBe(true);
    expect(parseBooleanArg('FALSE')).toBe(false);
    expect(() => parseBooleanArg('yes')).toThrow(/write true or false/);
  });
  it('instants need an explicit offset', () => {
    expect(parseInstantArg('2026-03-02T09:00:00+01:00').toISOString()).toBe('2026-03-02T08:00:00.000Z');
    expect(parseInstantArg('2026-03-02T08:00Z').toISOString()).toBe('2026-03-02T08:00:00.000Z');
    expect(() => parseInstantArg('2026-03-02T09:00:00')).toThrow(/with an offset/);
    expect(() => parseInstantArg('tomorrow')).toThrow(/with an offset/);
    expect(() => parseInstantArg('2026-02-30T09:00:00Z')).toThrow(/with an offset/);
  });
  it('workspaces are owner/name', () => {
    expect(parseWorkspaceRef('alice/dev')).toEqual({ owner: 'alice', name: 'dev' });
    expect(() => parseWorkspaceRef('dev')).toThrow(/<owner>\/<name>/);
    expect(() => parseWorkspaceRef('a/b/c')).toThrow(/<owner>\/<name>/);
  });
});

describe('describeFailure', () => {
  it('keeps a CliError exit code and the first line only', () => {
    expect(describeFailure(new CliError('no worker\nmore', EXIT.unavailable))).toEqual({ message: 'no worker', exitCode: 2 });
  });
  it('treats a refused connection as unavailable', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeFailure(err).exitCode).toBe(EXIT.unavailable);
  });
});

describe('withProgress', () => {
  it('Ctrl-C ends the wait with exit 130 and says what goes on', async () => {
    const never = withProgress(
      'waiting',
      'the build goes on',
      (p) => new Promise<never>((_, reject) => p.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    setTimeout(() => process.emit('SIGINT'), 10);
    await expect(never).rejects.toMatchObject({ exitCode: EXIT.interrupted, message: 'interrupted; the build goes on' });
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
  it('returns the result and removes its Ctrl-C handler', async () => {
    expect(await withProgress('x', 'y', async () => 42)).toBe(42);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});
