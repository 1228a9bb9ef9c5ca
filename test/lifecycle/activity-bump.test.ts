import { describe, expect, it } from 'vitest';
import { type ActivityBumpInput, activityBump, type Weekday } from '../../src/lifecycle/index.js';
import { at, defaultTemplate, H, MIN } from './fixtures.js';

interface Given {
  now?: string;
  deadline?: string | null;
  maxDeadline?: string | null;
  transition?: 'start' | 'stop' | 'delete';
  jobCompleted?: boolean;
  activityBumpMs?: number;
  ttlMs?: number | null;
  autostartSchedule?: string | null;
  autostartAllowedDays?: Weekday[];
}

/** Now 12:00Z, deadline 12:30Z, bump 1 h, TTL 8 h, no schedule. */
function bump(given: Given): string | null {
  const input: ActivityBumpInput = {
    now: at(given.now ?? '2024-01-01T12:00:00Z'),
    build: {
      deadline: given.deadline === null ? null : at(given.deadline ?? '2024-01-01T12:30:00Z'),
      maxDeadline: given.maxDeadline ? at(given.maxDeadline) : null,
      transition: given.transition ?? 'start',
      jobCompleted: given.jobCompleted ?? true,
    },
    template: {
      ...defaultTemplate,
      activityBumpMs: given.activityBumpMs ?? H,
      ...(given.autostartAllowedDays ? { autostartAllowedDays: given.autostartAllowedDays } : {}),
    },
    workspace: { ttlMs: given.ttlMs === undefined ? 8 * H : given.ttlMs, autostartSchedule: given.autostartSchedule ?? null },
  };
  return activityBump(input)?.toISOString() ?? null;
}

describe('activity bump', () => {
  it.each([
    { name: 'bumps to now + activity_bump', given: {}, want: '2024-01-01T13:00:00.000Z' },
    {
      name: '5% rule: deadline 56 min away (more than 5% of 1 h passed) bumps',
      given: { deadline: '2024-01-01T12:56:00Z' },
      want: '2024-01-01T13:00:00.000Z',
    },
    {
      name: '5% rule: deadline exactly 57 min away (0.95 × 1 h) does not bump (strict)',
      given: { deadline: '2024-01-01T12:57:00Z' },
      want: null,
    },
    { name: '5% rule: deadline 58 min away does not bump', given: { deadline: '2024-01-01T12:58:00Z' }, want: null },
    {
      name: 'deadline already passed is still bumped from now',
      given: { deadline: '2024-01-01T11:00:00Z' },
      want: '2024-01-01T13:00:00.000Z',
    },
    { name: 'capped at max_deadline', given: { maxDeadline: '2024-01-01T12:45:00Z' }, want: '2024-01-01T12:45:00.000Z' },
    { name: 'max_deadline beyond the bump does not cap', given: { maxDeadline: '2024-01-01T14:00:00Z' }, want: '2024-01-01T13:00:00.000Z' },
    {
      name: 'deadline already at max_deadline does not change',
      given: { deadline: '2024-01-01T12:30:00Z', maxDeadline: '2024-01-01T12:30:00Z' },
      want: null,
    },
    {
      name: 'autostart crossing: next autostart within the bump extends to autostart + TTL',
      given: { now: '2024-01-01T08:30:00Z', deadline: '2024-01-01T08:40:00Z', autostartSchedule: '0 9 * * *' },
      want: '2024-01-01T17:00:00.000Z',
    },
    {
      name: 'autostart crossing: next autostart exactly at now + bump keeps the plain bump',
      given: { now: '2024-01-01T08:00:00Z', deadline: '2024-01-01T08:10:00Z', autostartSchedule: '0 9 * * *' },
      want: '2024-01-01T09:00:00.000Z',
    },
    {
      name: 'autostart crossing: next autostart on a disallowed day is ignored',
      given: {
        now: '2024-01-01T08:30:00Z',
        deadline: '2024-01-01T08:40:00Z',
        autostartSchedule: '0 9 * * *',
        autostartAllowedDays: ['tuesday'] as Weekday[],
      },
      want: '2024-01-01T09:30:00.000Z',
    },
    {
      name: 'autostart crossing with no TTL extends to the autostart itself',
      given: { now: '2024-01-01T08:30:00Z', deadline: '2024-01-01T08:40:00Z', autostartSchedule: '0 9 * * *', ttlMs: null },
      want: '2024-01-01T09:00:00.000Z',
    },
    {
      name: 'autostart crossing is capped at max_deadline',
      given: {
        now: '2024-01-01T08:30:00Z',
        deadline: '2024-01-01T08:40:00Z',
        autostartSchedule: '0 9 * * *',
        maxDeadline: '2024-01-01T12:00:00Z',
      },
      want: '2024-01-01T12:00:00.000Z',
    },
    {
      name: 'never moves the deadline backwards',
      given: { now: '2024-01-01T12:00:00Z', deadline: '2024-01-01T12:30:00Z', activityBumpMs: 10 * MIN },
      want: null,
    },
    { name: 'activity bump 0 turns bumping off', given: { activityBumpMs: 0 }, want: null },
    { name: 'job not completed does not bump', given: { jobCompleted: false }, want: null },
    { name: 'stopped workspace is not bumped', given: { transition: 'stop' as const }, want: null },
    { name: 'no deadline is not bumped', given: { deadline: null }, want: null },
  ])('$name', ({ given, want }) => {
    expect(bump(given)).toBe(want);
  });
});
