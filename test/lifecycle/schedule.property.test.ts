/**
 * Property-style check of docs/rules.md#weekly-schedule and docs/rules.md#daylight-saving-time over random schedules and instants (seeded,
 * so deterministic). The oracle reads wall clocks with its own Intl formatter.
 */
import { describe, expect, it } from 'vitest';
import { parseWeeklySchedule } from '../../src/lifecycle/index.js';
import { H, MIN, seededRandom } from './fixtures.js';

const ZONES = [
  'UTC',
  'America/Chicago',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Lord_Howe', // 30-minute DST
  'America/Santiago', // transitions at midnight
  'America/St_Johns',
  'Asia/Kolkata',
  'Pacific/Chatham', // +12:45 / +13:45
  'America/Los_Angeles',
];

interface Wall {
  minute: number;
  hour: number;
  weekday: number;
  day: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallAt(zone: string, instant: number): Wall {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    minute: Number(parts.minute),
    hour: Number(parts.hour),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday!),
    day: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

const offsetMinutes = (zone: string, instant: number): number => {
  const w = wallAt(zone, instant);
  const [y, m, d] = w.day.split('-').map(Number) as [number, number, number];
  return Math.round((Date.UTC(y, m - 1, d, w.hour, w.minute) - Math.floor(instant / MIN) * MIN) / MIN);
};

interface Fields {
  minutes: Set<number>;
  hours: Set<number>;
  weekdays: Set<number>;
}

/** A random field and the set it denotes. */
function randomField(random: () => number, min: number, max: number): [string, Set<number>] {
  const pick = () => min + Math.floor(random() * (max - min + 1));
  const kind = Math.floor(random() * 6);
  const values = new Set<number>();
  const range = (from: number, to: number, step = 1) => {
    for (let v = from; v <= to; v += step) values.add(v);
  };
  switch (kind) {
    case 0:
      range(min, max);
      return ['*', values];
    case 1: {
      const step = 1 + Math.floor(random() * Math.max(1, (max - min) / 2));
      range(min, max, step);
      return [`*/${step}`, values];
    }
    case 2: {
      const [a, b] = [pick(), pick()].sort((x, y) => x - y) as [number, number];
      range(a, b);
      return [`${a}-${b}`, values];
    }
    case 3: {
      const [a, b] = [pick(), pick()].sort((x, y) => x - y) as [number, number];
      const step = 1 + Math.floor(random() * 4);
      range(a, b, step);
      return [`${a}-${b}/${step}`, values];
    }
    case 4: {
      const list = [pick(), pick(), pick()];
      for (const v of list) values.add(v);
      return [list.join(','), values];
    }
    default: {
      const v = pick();
      values.add(v);
      return [String(v).padStart(random() < 0.3 ? 2 : 1, '0'), values];
    }
  }
}

function randomSchedule(random: () => number): { spec: string; zone: string; fields: Fields } {
  const zone = ZONES[Math.floor(random() * ZONES.length)]!;
  const [minute, minutes] = randomField(random, 0, 59);
  const [hour, hours] = randomField(random, 0, 23);
  const [weekday, weekdays] = randomField(random, 0, 6);
  const prefix = zone === 'UTC' && random() < 0.5 ? '' : `CRON_TZ=${zone} `;
  return { spec: `${prefix}${minute} ${hour} * * ${weekday}`, zone, fields: { minutes, hours, weekdays } };
}

const matches = (w: Wall, f: Fields) => f.minutes.has(w.minute) && f.hours.has(w.hour) && f.weekdays.has(w.weekday);

/** The offset grew just before `instant`: its wall time may be a gap-shifted one. */
function gapShift(zone: string, instant: number): number {
  return offsetMinutes(zone, instant) - offsetMinutes(zone, instant - 3 * H);
}

/** True when the wall time at `instant` already occurred earlier (fall-back repeat). */
function isRepeat(zone: string, instant: number, offset: number): boolean {
  const earlier = offsetMinutes(zone, instant - 3 * H);
  if (earlier <= offset) return false;
  return offsetMinutes(zone, instant - (earlier - offset) * MIN) === earlier;
}

/** Existing, first-occurrence wall times strictly between `from` and `to` that match. */
function missedBetween(zone: string, fields: Fields, from: number, to: number): number[] {
  const missed: number[] = [];
  for (let hourStart = Math.floor(from / H) * H; hourStart < to; hourStart += H) {
    const offset = offsetMinutes(zone, hourStart);
    const steady = offset === offsetMinutes(zone, hourStart + H - MIN);
    for (let x = hourStart; x < hourStart + H; x += MIN) {
      if (x <= from || x >= to) continue;
      const o = steady ? offset : offsetMinutes(zone, x);
      const wallMs = x + o * MIN;
      const wall = new Date(wallMs);
      const w = { minute: wall.getUTCMinutes(), hour: wall.getUTCHours(), weekday: wall.getUTCDay(), day: '' };
      if (matches(w, fields) && !isRepeat(zone, x, o)) missed.push(x);
    }
  }
  return missed;
}

function checkIterated(spec: string, zone: string, fields: Fields, start: number) {
  const schedule = parseWeeklySchedule(spec);
  let previous = start;
  for (let n = 0; n < 8; n++) {
    const fire = schedule.next(new Date(previous)).getTime();
    expect(fire, 'strictly increasing').toBeGreaterThan(previous);
    expect(fire % MIN, 'on a minute boundary').toBe(0);
    const wall = wallAt(zone, fire);
    if (!matches(wall, fields)) {
      // docs/rules.md#daylight-saving-time: a nonexistent wall time fires the same distance after the gap.
      const shift = gapShift(zone, fire);
      expect(shift, `${new Date(fire).toISOString()} matches only as a gap shift`).toBeGreaterThan(0);
      const shifted = new Date(fire + (offsetMinutes(zone, fire) - shift) * MIN);
      expect(matches({ minute: shifted.getUTCMinutes(), hour: shifted.getUTCHours(), weekday: shifted.getUTCDay(), day: '' }, fields)).toBe(
        true,
      );
    }
    expect(
      missedBetween(zone, fields, previous, fire).map((x) => new Date(x).toISOString()),
      'no existing occurrence skipped',
    ).toEqual([]);
    previous = fire;
  }
}

/** 2024 DST transition days (local dates) of the zones above. */
const TRANSITION_DAYS: Record<string, string[]> = {
  'America/Chicago': ['2024-03-10', '2024-11-03'],
  'Europe/Berlin': ['2024-03-31', '2024-10-27'],
  'Australia/Sydney': ['2024-04-07', '2024-10-06'],
  'Australia/Lord_Howe': ['2024-04-07', '2024-10-06'],
  'America/Santiago': ['2024-04-06', '2024-09-08'],
  'America/St_Johns': ['2024-03-10', '2024-11-03'],
  'Pacific/Chatham': ['2024-04-07', '2024-09-29'],
  'America/Los_Angeles': ['2024-03-10', '2024-11-03'],
};

describe('property: iterated next() over random schedules and instants', () => {
  const random = seededRandom(20240214);
  const cases = Array.from({ length: 150 }, (_, i) => {
    const schedule = randomSchedule(random);
    // Random instants 2020–2030, a few with seconds.
    const start = Date.UTC(2020, 0, 1) + Math.floor(random() * 10 * 365 * 24 * 60) * MIN + (random() < 0.2 ? 17_123 : 0);
    return { i, ...schedule, start };
  });

  it.each(cases)('#$i $spec from $start', ({ spec, zone, fields, start }) => {
    checkIterated(spec, zone, fields, start);
  });
});

describe('property: iterated next() across DST transitions', () => {
  const random = seededRandom(4242);
  const zones = Object.keys(TRANSITION_DAYS);
  const cases = Array.from({ length: 200 }, (_, i) => {
    const zone = zones[Math.floor(random() * zones.length)]!;
    const days = TRANSITION_DAYS[zone]!;
    const day = days[Math.floor(random() * days.length)]!;
    // Dense early-morning schedules starting up to two days before the change.
    const [minute, minutes] = randomField(random, 0, 59);
    const hourList = [0, 1, 2, 3].filter(() => random() < 0.6);
    const hours = new Set(hourList.length > 0 ? hourList : [2]);
    const [weekday, weekdays] = random() < 0.7 ? (['*', new Set([0, 1, 2, 3, 4, 5, 6])] as const) : randomField(random, 0, 6);
    const spec = `CRON_TZ=${zone} ${minute} ${[...hours].join(',')} * * ${weekday}`;
    const start = Date.parse(`${day}T00:00:00Z`) - Math.floor(random() * 48 * 60) * MIN;
    return { i, spec, zone, fields: { minutes, hours, weekdays: new Set(weekdays) }, start };
  });

  it.each(cases)('#$i $spec from $start', ({ spec, zone, fields, start }) => {
    checkIterated(spec, zone, fields, start);
  });
});
