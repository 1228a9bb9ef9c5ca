// How the dashboard writes times and durations. Times are rendered in UTC with
// the zone named ("2026-12-07 17:30 UTC") inside <time datetime=…>, and the
// page's script rewrites them in the viewer's own zone, named too; without
// the script they stay correct, in UTC. Countdowns are counted from the
// instant the API's answer was computed (the database clock), never from this
// process's clock.
import { formatDuration } from '../lifecycle/index.js';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "Mon 2026-12-07 17:30 UTC". */
export function utcText(iso: string): string {
  return `${WEEKDAYS[new Date(iso).getUTCDay()]} ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "in 2 h 5 min", "3 min ago", "now": from `now` to `at`, to the minute. */
export function relative(at: string, now: string): string {
  const ms = Date.parse(at) - Date.parse(now);
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes === 0) return 'now';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const text = [days ? `${days} d` : '', hours ? `${hours} h` : '', mins && days === 0 ? `${mins} min` : ''].filter(Boolean).join(' ');
  return ms > 0 ? `in ${text}` : `${text} ago`;
}

/** A duration as the CLI writes and reads it ("8h", "1h30m"), or "none" for 0. */
export function durationText(ms: number | null): string {
  if (ms === null) return 'none';
  return ms === 0 ? '0' : formatDuration(ms);
}

/** Day names as the API spells them, in a person's short form. */
export const DAY_LABELS: Record<string, string> = {
  monday: 'Mon',
  tuesday: 'Tue',
  wednesday: 'Wed',
  thursday: 'Thu',
  friday: 'Fri',
  saturday: 'Sat',
  sunday: 'Sun',
};
