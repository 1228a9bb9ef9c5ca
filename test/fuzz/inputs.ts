// Generators of the inputs people type and send: schedules, durations, day
// lists, names, zones, sizes and instants, each a mix of valid values, near
// misses and hostile text (control characters, NUL, unicode, huge strings,
// numbers out of range, wrong types). The three fuzz files draw from here.
import fc from 'fast-check';
import { BOUNDS, DAY } from '../../src/lifecycle/index.js';

/** Text that breaks naive code: control characters, NUL, line breaks, escapes, markup, unicode. */
const HOSTILE = [
  '',
  ' ',
  '\0',
  'a\0b',
  '\n',
  'a\nb',
  'a\r\nb',
  '\u2028',
  '\t',
  '\x1b[31mred',
  '\uFEFF',
  '\u202Eevil',
  'Ω≈ç√',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '👩‍💻',
  '\uD800',
  '../..',
  '%00',
  '%2F',
  '/',
  '//',
  'a/b/c',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  '{}',
  '[]',
  "'; DROP TABLE users; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: text that a template engine would expand
  '${x}',
  '\\',
  '"',
  'me',
  '*',
];

/** Up to `max` characters of one kind, for bounds (64, 200, 256, 1 MiB, …). */
export const longText = (max: number) =>
  fc
    .tuple(fc.constantFrom('a', '9', 'é', '\0', ' ', '/', '\n', '𝔘'), fc.integer({ min: Math.min(60, max), max }))
    .map(([unit, n]) => unit.repeat(Math.max(1, Math.floor(n / unit.length))));

/** Any text, weighted towards what breaks parsers; `max` bounds the long ones. */
export const hostileText = (max = 300_000) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...HOSTILE), weight: 4 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 2 },
    { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 10 }), weight: 1 },
    { arbitrary: longText(max), weight: 1 },
  );

/** Values of the wrong type, as a JSON body can carry them (and as JSON.parse makes them). */
export const wrongType = fc
  .oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  )
  .map((value): unknown => JSON.parse(JSON.stringify(value)));

/** A name: valid, a near miss (65 characters, a UUID, a leading dot), or hostile. */
export const nameText = (max = 300_000) =>
  fc.oneof(
    { arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,12}$/), weight: 4 },
    { arbitrary: fc.constantFrom('a'.repeat(64), 'a'.repeat(65), '.dot', '-dash', '_under', 'dev', 'DEV', 'alice', 'v1'), weight: 2 },
    { arbitrary: fc.uuid(), weight: 1 },
    { arbitrary: hostileText(max), weight: 3 },
  );

const ZONES = Intl.supportedValuesOf('timeZone');

/** An IANA zone, a near miss (case, offsets, `Local`, aliases) or hostile text. */
export const zoneText = fc.oneof(
  { arbitrary: fc.constantFrom(...ZONES), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      'UTC',
      'utc',
      'Etc/GMT+12',
      'Etc/GMT-14',
      'Europe/berlin',
      'US/Pacific',
      'EST5EDT',
      'Factory',
      'Local',
      '+05:00',
      'GMT+5',
      'UTC-3',
      'Mars/Olympus',
      'America/Argentina/ComodRivadavia',
      '',
    ),
    weight: 3,
  },
  { arbitrary: hostileText(400), weight: 1 },
);

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'SUN', 'Mon', 'monday', 'sunday', 'jan', 'xyz'];

/** One cron field: `*`, values in and out of range, ranges, steps, lists, names, specials. */
const cronField = fc.oneof(
  { arbitrary: fc.constant('*'), weight: 6 },
  { arbitrary: fc.integer({ min: -2, max: 70 }).map(String), weight: 4 },
  { arbitrary: fc.tuple(fc.integer({ min: -1, max: 62 }), fc.integer({ min: -1, max: 62 })).map(([a, b]) => `${a}-${b}`), weight: 2 },
  { arbitrary: fc.integer({ min: -1, max: 61 }).map((n) => `*/${n}`), weight: 1 },
  { arbitrary: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 4 }).map((l) => l.join(',')), weight: 1 },
  { arbitrary: fc.constantFrom(...DAY_NAMES), weight: 2 },
  {
    arbitrary: fc.constantFrom('mon-fri', 'fri-mon', 'sat,sun', '1-5/2', 'L', 'W', '?', '5#3', 'H', '1--2', ',', '99999999999999999999'),
    weight: 2,
  },
  { arbitrary: hostileText(300), weight: 1 },
);

/** What separates fields: mostly spaces, sometimes tabs, line breaks, non-breaking spaces. */
const gap = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\n', '\u00a0', '\u3000');

/** `[CRON_TZ=<zone>] <fields>`, with 0 to 7 fields; about half are shaped like the real thing. */
const cronText = (dayOfWeek: fc.Arbitrary<string>) =>
  fc.oneof(
    {
      arbitrary: fc
        .tuple(fc.option(zoneText, { nil: undefined }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), dayOfWeek, gap)
        .map(([zone, minute, hour, dow, sep]) =>
          [...(zone === undefined ? [] : [`CRON_TZ=${zone}`]), minute, hour, '*', '*', dow].join(sep),
        ),
      weight: 5,
    },
    {
      arbitrary: fc
        .tuple(fc.option(zoneText, { nil: undefined }), fc.array(cronField, { minLength: 0, maxLength: 7 }), gap)
        .map(([zone, fields, sep]) => [...(zone === undefined ? [] : [`CRON_TZ=${zone}`]), ...fields].join(sep)),
      weight: 4,
    },
    {
      arbitrary: fc.constantFrom('@daily', 'cron_tz=UTC 0 9 * * *', 'TZ=UTC 0 9 * * *', '0 0 9 * * *', `0 9 * * ${'1,'.repeat(200)}1`),
      weight: 1,
    },
    { arbitrary: hostileText(2000), weight: 1 },
  );

/** A weekly (autostart) schedule: `[CRON_TZ=<zone>] <min> <hour> * * <days>`. */
export const weeklySchedule = cronText(fc.oneof(fc.constantFrom('*', 'mon-fri', '1-5', 'sat,sun', '0', '7', 'sun-sat'), cronField));

/** A daily (quiet hours) schedule: `[CRON_TZ=<zone>] <min> <hour> * * *`. */
export const dailySchedule = cronText(fc.oneof({ arbitrary: fc.constant('*'), weight: 3 }, { arbitrary: cronField, weight: 1 }));

const UNITS = ['d', 'h', 'm', 's', 'ms', 'H', 'w', 'y', ''];

/** A duration as text: `8h`, `1h30m`, `0`, decimals, signs, missing units, absurd lengths, hostile text. */
export const durationText = fc.oneof(
  {
    arbitrary: fc
      .array(fc.tuple(fc.oneof(fc.nat(100), fc.constantFrom(0.5, 1.25, 1e3, 29, 30, 31, 720, 721)), fc.constantFrom(...UNITS)), {
        minLength: 1,
        maxLength: 3,
      })
      .map((parts) => parts.map(([n, u]) => `${n}${u}`).join('')),
    weight: 5,
  },
  {
    arbitrary: fc.constantFrom(
      '0',
      ' 8h ',
      '-1h',
      '+1h',
      '8',
      'h',
      '8 h',
      '1e3ms',
      '1h 30m',
      '1h,30m',
      '0x10m',
      '∞h',
      '٣h',
      `${'9'.repeat(400)}d`,
    ),
    weight: 2,
  },
  { arbitrary: hostileText(2000), weight: 1 },
);

/** A duration in milliseconds: in bounds, at the bounds, past them, negative, fractional, not finite. */
export const durationNumber = fc.oneof(
  { arbitrary: fc.integer({ min: -1, max: 2 * BOUNDS.policyMaxMs }), weight: 3 },
  { arbitrary: fc.constantFrom(0, 59_999, 60_000, 1_800_000, BOUNDS.ttlMaxMs, BOUNDS.ttlMaxMs + 1, BOUNDS.policyMaxMs + 1), weight: 2 },
  {
    arbitrary: fc.constantFrom(-0, 0.5, -1, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e308, -1e308, Number.NaN, Number.POSITIVE_INFINITY),
    weight: 1,
  },
  { arbitrary: fc.double(), weight: 1 },
);

/** A list of days as text: names, ranges (wrapping too), `all`, `none`, near misses. */
export const daysText = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        fc.array(fc.constantFrom(...DAY_NAMES, 'mon-fri', 'fri-mon', 'sat-sun', 'mon-tue-wed', '', 'wednesday', 'Thu'), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom(',', ', ', ',,', ' '),
      )
      .map(([days, sep]) => days.join(sep)),
    weight: 5,
  },
  { arbitrary: fc.constantFrom('all', 'none', 'ALL', 'None', 'weekdays', '1-5'), weight: 2 },
  { arbitrary: hostileText(2000), weight: 1 },
);

/** A list of days as an array of names. */
export const daysList = fc.array(fc.oneof(fc.constantFrom(...DAY_NAMES, 'friday', 'all', 'none', ''), hostileText(100)), { maxLength: 9 });

/** A size or count: small, at the usual bounds, huge, negative, fractional, not finite. */
export const size = fc.oneof(
  { arbitrary: fc.integer({ min: -2, max: 600 }), weight: 4 },
  { arbitrary: fc.constantFrom(0, 1, 16, 17, 100, 101, 500, 501, 1000, 1001, 10_000, 10_001, 2 ** 31, 2 ** 53, 1e21), weight: 2 },
  { arbitrary: fc.constantFrom(-0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -1e308), weight: 1 },
);

/** An instant: near now, at the edges of what a Date holds, or not a date at all. */
export const instant = fc.oneof(
  { arbitrary: fc.integer({ min: -400 * DAY, max: 400 * DAY }).map((d) => new Date(Date.now() + d)), weight: 4 },
  { arbitrary: fc.constantFrom(-8.64e15, 8.64e15, 0, -1, 253402300800000).map((t) => new Date(t)), weight: 1 },
  { arbitrary: fc.constant(new Date(Number.NaN)), weight: 1 },
);

/** An instant as text, the way a URL or a JSON body carries it. */
export const instantText = fc.oneof(
  { arbitrary: instant.filter((d) => !Number.isNaN(d.getTime())).map((d) => d.toISOString()), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      '2026-02-30T09:00:00Z',
      '2026-03-02T09:00:00',
      '2026-03-02T09:00:00+25:00',
      '2026-03-02',
      '+275760-09-13T00:00:00.000Z',
      '-271821-04-20T00:00:00.000Z',
      '9999-12-31T23:59:59.999999999Z',
      'now',
      '1700000000000',
    ),
    weight: 2,
  },
  { arbitrary: hostileText(300), weight: 1 },
);
