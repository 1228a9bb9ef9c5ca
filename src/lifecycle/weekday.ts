export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

/** Monday first, the order used for lists, ranges and output. */
export const ALL_WEEKDAYS: readonly Weekday[] = Object.freeze([
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const);

/** Cron numbering: 0 = Sunday … 6 = Saturday, as `Date.prototype.getUTCDay()`. */
const BY_CRON_NUMBER: readonly Weekday[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

export function weekdayFromCronNumber(n: number): Weekday {
  const day = BY_CRON_NUMBER[((n % 7) + 7) % 7];
  if (day === undefined) throw new RangeError(`no weekday numbered ${n}`);
  return day;
}

export function cronNumberOf(day: Weekday): number {
  return BY_CRON_NUMBER.indexOf(day);
}

function weekdayByName(name: string): Weekday | undefined {
  const lower = name.toLowerCase();
  return ALL_WEEKDAYS.find((day) => day === lower || day.slice(0, 3) === lower);
}

/**
 * Parses `mon-fri`, `sat,sun`, `monday,wednesday`, `all` or `none`
 * (case-insensitive). A range may wrap past Sunday: `fri-mon` is Friday to Monday.
 */
export function parseWeekdayList(text: string): Weekday[] {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'all') return [...ALL_WEEKDAYS];
  if (trimmed === 'none') return [];
  if (trimmed === '') {
    throw new RangeError('empty weekday list: use day names like mon-fri or sat,sun, or all, or none');
  }
  const chosen = new Set<Weekday>();
  for (const item of trimmed.split(',')) {
    const [from, to, ...rest] = item.trim().split('-');
    const start = weekdayByName(from ?? '');
    const end = to === undefined ? start : weekdayByName(to);
    if (start === undefined || end === undefined || rest.length > 0) {
      throw new RangeError(
        `invalid weekday "${item.trim()}" in "${text}": use mon, tue, wed, thu, fri, sat, sun (or full names), ranges like mon-fri, lists like sat,sun, or all, or none`,
      );
    }
    const first = ALL_WEEKDAYS.indexOf(start);
    const length = (ALL_WEEKDAYS.indexOf(end) - first + 7) % 7;
    for (let i = 0; i <= length; i++) chosen.add(ALL_WEEKDAYS[(first + i) % 7]!);
  }
  return ALL_WEEKDAYS.filter((day) => chosen.has(day));
}

/** The inverse of `parseWeekdayList`: `all`, `none`, or runs such as `mon-fri,sun`. */
export function formatWeekdayList(days: readonly Weekday[]): string {
  const chosen = ALL_WEEKDAYS.map((day) => days.includes(day));
  if (chosen.every(Boolean)) return 'all';
  if (!chosen.some(Boolean)) return 'none';
  const parts: string[] = [];
  for (let i = 0; i < 7; i++) {
    if (!chosen[i]) continue;
    let j = i;
    while (j + 1 < 7 && chosen[j + 1]) j++;
    const short = (k: number) => ALL_WEEKDAYS[k]!.slice(0, 3);
    if (j - i >= 2) parts.push(`${short(i)}-${short(j)}`);
    else for (let k = i; k <= j; k++) parts.push(short(k));
    i = j;
  }
  return parts.join(',');
}
