// Holidays from an iCalendar file (docs/rules.md#holiday-calendars), read with
// ical.js: every all-day VEVENT is a holiday on each date it covers (DTEND is
// exclusive); a recurring one (RRULE, with its EXDATEs) is expanded over the
// dates from a year before `today` to two years after it. A timed event, or a
// file ical.js cannot read, refuses the whole file with one line.
import ICAL from 'ical.js';
import { DAY } from '../lifecycle/index.js';
import { invalid } from './errors.js';

/** How far ahead a recurring event is expanded. */
export const ICS_RECURRENCE_YEARS_AHEAD = 2;
/** How far back a recurring event's dates are kept (older ones no longer matter). */
const RECURRENCE_DAYS_BACK = 366;
/** At most this many dates from one file. */
export const ICS_MAX_DATES = 5000;
const HOLIDAY_NAME_MAX = 200;

export interface IcsHoliday {
  date: string;
  name: string | null;
}

const dayNumber = (t: ICAL.Time) => Date.UTC(t.year, t.month - 1, t.day) / DAY;
const dateOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

/** The holidays of an iCalendar text, by date (a date listed twice keeps its first name); `today` is YYYY-MM-DD. */
export function parseIcsHolidays(text: string, today: string): IcsHoliday[] {
  if (typeof text !== 'string' || text.trim() === '') throw invalid('invalid calendar file: it is empty', 'ics');
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text));
  } catch (error) {
    throw invalid(`invalid calendar file: ${(error as Error).message}`, 'ics');
  }
  if (root.name !== 'vcalendar') throw invalid(`invalid calendar file: expected BEGIN:VCALENDAR, found ${root.name.toUpperCase()}`, 'ics');
  const todayDay = Date.parse(`${today}T00:00:00Z`) / DAY;
  const first = todayDay - RECURRENCE_DAYS_BACK;
  const horizon = todayDay + Math.round(ICS_RECURRENCE_YEARS_AHEAD * 365.25);
  const out = new Map<string, string | null>();
  const add = (day: number, name: string | null) => {
    const date = dateOf(day);
    if (!out.has(date)) out.set(date, name);
    if (out.size > ICS_MAX_DATES) throw invalid(`invalid calendar file: more than ${ICS_MAX_DATES} dates`, 'ics');
  };
  for (const component of root.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(component);
    const summary = typeof event.summary === 'string' && event.summary.trim() !== '' ? event.summary.trim() : null;
    const label = summary === null ? `event ${event.uid ?? '(no UID)'}` : `event "${summary}"`;
    const start = event.startDate;
    if (start === null || start === undefined) throw invalid(`invalid calendar file: ${label} has no DTSTART`, 'ics');
    if (!start.isDate) {
      throw invalid(
        `invalid calendar file: ${label} starts at ${start.toString()}, not on a date; only all-day events (DTSTART;VALUE=DATE) are holidays`,
        'ics',
      );
    }
    const name = summary === null ? null : summary.slice(0, HOLIDAY_NAME_MAX);
    const end = event.endDate;
    const days = end?.isDate ? Math.max(1, dayNumber(end) - dayNumber(start)) : 1;
    if (days > 366) throw invalid(`invalid calendar file: ${label} lasts ${days} days; at most 366`, 'ics');
    if (!event.isRecurring()) {
      for (let d = 0; d < days; d++) add(dayNumber(start) + d, name);
      continue;
    }
    const iterator = event.iterator();
    for (let next = iterator.next(), guard = 0; next && guard < 100_000; next = iterator.next(), guard++) {
      const day = dayNumber(next);
      if (day > horizon) break;
      if (day + days <= first) continue;
      for (let d = 0; d < days; d++) add(day + d, name);
    }
  }
  return [...out].map(([date, name]) => ({ date, name })).sort((a, b) => a.date.localeCompare(b.date));
}
