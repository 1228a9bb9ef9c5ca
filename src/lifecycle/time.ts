export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The tick granularity: every decision is made at a whole UTC minute. */
export function truncateToMinute(date: Date): Date {
  return new Date(Math.floor(date.getTime() / MINUTE) * MINUTE);
}

/** ISO-8601 UTC text for explanations, e.g. `2024-01-01T18:00:00.000Z`. */
export function iso(date: Date | number): string {
  return new Date(date).toISOString();
}
