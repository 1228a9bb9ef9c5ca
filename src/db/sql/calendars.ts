// Holiday calendars (docs/rules.md#holiday-calendars) and the inputs the
// autostart cache needs beyond the schedule: the pause, the skip and the dates
// of the template's and the owner's calendars, read for many workspaces at
// once and under their row locks, so that an edit recomputes next_start_at in
// its own transaction.
import { AUTOSTART_SEARCH_DAYS, type AutostartPause, type Holiday, type Weekday } from '../../lifecycle/index.js';
import type { Pool, PoolClient } from '../pool.js';

export interface CalendarRow {
  id: string;
  name: string;
  createdAt: Date;
  /** How many dates it lists. */
  dates: number;
  templates: string[];
  users: string[];
}

export interface HolidayDateRow {
  date: string;
  name: string | null;
}

const CALENDAR_COLUMNS = `c.id, c.name, c.created_at,
  (SELECT count(*)::int FROM holiday_dates d WHERE d.calendar_id = c.id) AS dates,
  ARRAY(SELECT t.name FROM template_calendars tc JOIN templates t ON t.id = tc.template_id WHERE tc.calendar_id = c.id ORDER BY t.name) AS templates,
  ARRAY(SELECT u.username FROM user_calendars uc JOIN users u ON u.id = uc.user_id WHERE uc.calendar_id = c.id ORDER BY u.username) AS users`;

const toCalendar = (r: Record<string, unknown>): CalendarRow => ({
  id: r.id as string,
  name: r.name as string,
  createdAt: r.created_at as Date,
  dates: r.dates as number,
  templates: r.templates as string[],
  users: r.users as string[],
});

/** By name or id; with `lock`, its row is locked for the transaction. */
export async function findCalendar(db: Pool | PoolClient, ref: string, opts: { lock?: boolean } = {}): Promise<CalendarRow | null> {
  const { rows } = await db.query(
    `SELECT ${CALENDAR_COLUMNS} FROM holiday_calendars c WHERE c.name = $1 OR c.id::text = $1${opts.lock ? ' FOR UPDATE' : ''}`,
    [ref],
  );
  return rows[0] ? toCalendar(rows[0]) : null;
}

/** Null when the name is taken. */
export async function insertCalendar(c: PoolClient, name: string): Promise<string | null> {
  const { rows } = await c.query('INSERT INTO holiday_calendars (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id', [name]);
  return rows[0]?.id ?? null;
}

export async function deleteCalendar(c: PoolClient, id: string): Promise<void> {
  await c.query('DELETE FROM holiday_calendars WHERE id = $1', [id]);
}

export async function listCalendars(db: Pool | PoolClient, page: { after: string | null; limit: number }): Promise<CalendarRow[]> {
  const { rows } = await db.query(
    `SELECT ${CALENDAR_COLUMNS} FROM holiday_calendars c WHERE $1::text IS NULL OR c.name > $1 ORDER BY c.name LIMIT $2`,
    [page.after, page.limit],
  );
  return rows.map(toCalendar);
}

export async function calendarDates(db: Pool | PoolClient, calendarId: string): Promise<HolidayDateRow[]> {
  const { rows } = await db.query('SELECT date::text AS date, name FROM holiday_dates WHERE calendar_id = $1 ORDER BY date', [calendarId]);
  return rows.map((r) => ({ date: r.date, name: r.name }));
}

/** Adds or renames dates; returns how many rows were new or changed. */
export async function upsertDates(c: PoolClient, calendarId: string, dates: readonly HolidayDateRow[]): Promise<number> {
  if (dates.length === 0) return 0;
  const { rowCount } = await c.query(
    `INSERT INTO holiday_dates (calendar_id, date, name)
       SELECT $1, d, n FROM unnest($2::date[], $3::text[]) AS x(d, n)
     ON CONFLICT (calendar_id, date) DO UPDATE SET name = EXCLUDED.name
       WHERE holiday_dates.name IS DISTINCT FROM EXCLUDED.name`,
    [calendarId, dates.map((d) => d.date), dates.map((d) => d.name)],
  );
  return rowCount ?? 0;
}

/** Whether the date was listed. */
export async function deleteDate(c: PoolClient, calendarId: string, date: string): Promise<boolean> {
  const { rowCount } = await c.query('DELETE FROM holiday_dates WHERE calendar_id = $1 AND date = $2::date', [calendarId, date]);
  return (rowCount ?? 0) > 0;
}

/** Whether it was newly attached (false: already was). */
export async function attachCalendar(c: PoolClient, to: { templateId: string } | { userId: string }, calendarId: string): Promise<boolean> {
  const { rowCount } =
    'templateId' in to
      ? await c.query('INSERT INTO template_calendars (template_id, calendar_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
          to.templateId,
          calendarId,
        ])
      : await c.query('INSERT INTO user_calendars (user_id, calendar_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [to.userId, calendarId]);
  return (rowCount ?? 0) > 0;
}

/** Whether it was attached. */
export async function detachCalendar(
  c: PoolClient,
  from: { templateId: string } | { userId: string },
  calendarId: string,
): Promise<boolean> {
  const { rowCount } =
    'templateId' in from
      ? await c.query('DELETE FROM template_calendars WHERE template_id = $1 AND calendar_id = $2', [from.templateId, calendarId])
      : await c.query('DELETE FROM user_calendars WHERE user_id = $1 AND calendar_id = $2', [from.userId, calendarId]);
  return (rowCount ?? 0) > 0;
}

/**
 * The dates of the calendars of template `t` and user `u`, as load-snapshot
 * reads them (src/db/load-snapshot.ts: the same window around the database
 * clock, the search's reach), as a JSON array or NULL.
 */
const HOLIDAYS_OF = (
  t: string,
  u: string,
) => `(SELECT json_agg(json_build_object('date', hd.date::text, 'name', hd.name, 'calendar', c.name) ORDER BY hd.date, c.name)
    FROM holiday_dates hd JOIN holiday_calendars c ON c.id = hd.calendar_id
   WHERE hd.calendar_id IN (SELECT tc.calendar_id FROM template_calendars tc WHERE tc.template_id = ${t}
                            UNION SELECT uc.calendar_id FROM user_calendars uc WHERE uc.user_id = ${u})
     AND hd.date BETWEEN (autobuild_now() - interval '2 days')::date
                     AND (autobuild_now() + ${AUTOSTART_SEARCH_DAYS + 2} * interval '1 day')::date)`;

/** The holidays a new workspace of template `templateId` owned by `userId` will have (absent when none). */
export async function holidaysOf(c: Pool | PoolClient, templateId: string, userId: string): Promise<Holiday[] | undefined> {
  const { rows } = await c.query(`SELECT ${HOLIDAYS_OF('$1::uuid', '$2::uuid')} AS holidays`, [templateId, userId]);
  return rows[0].holidays ?? undefined;
}

/** What the autostart cache of one workspace is computed from, besides the time. */
export interface AutostartInputs {
  id: string;
  autostartSchedule: string | null;
  dormantAt: Date | null;
  nextStartAt: Date | null;
  autostartBlocked: string | null;
  autostartPause: AutostartPause | null;
  autostartSkipAt: Date | null;
  holidays: Holiday[] | undefined;
  template: { allowUserAutostart: boolean; autostartAllowedDays: Weekday[] };
}

export type AutostartScope = { workspaceId: string } | { calendarId: string } | { templateId: string } | { userId: string };

const SCOPES: Record<string, string> = {
  workspaceId: 'w.id = $1',
  calendarId: `(w.template_id IN (SELECT template_id FROM template_calendars WHERE calendar_id = $1)
                OR w.owner_id IN (SELECT user_id FROM user_calendars WHERE calendar_id = $1))`,
  templateId: 'w.template_id = $1',
  userId: 'w.owner_id = $1',
};

/**
 * Locks (in id order) the live workspaces with a schedule in `scope` and
 * reads their autostart inputs; a calendar's scope is every workspace of a
 * template it is attached to and of a user it is attached to.
 */
export async function lockAutostartInputs(c: PoolClient, scope: AutostartScope): Promise<AutostartInputs[]> {
  const [key, value] = Object.entries(scope)[0] as [string, string];
  await c.query(
    `SELECT w.id FROM workspaces w WHERE ${SCOPES[key]} AND NOT w.deleted AND w.autostart_schedule IS NOT NULL ORDER BY w.id FOR UPDATE OF w`,
    [value],
  );
  const { rows } = await c.query(
    `SELECT w.id, w.autostart_schedule, w.dormant_at, w.next_start_at, w.autostart_blocked,
            w.autostart_paused, w.autostart_paused_until, w.autostart_pause_note, w.autostart_paused_by, w.autostart_skip_at,
            t.allow_user_autostart, t.autostart_allowed_days,
            ${HOLIDAYS_OF('w.template_id', 'w.owner_id')} AS holidays
       FROM workspaces w JOIN templates t ON t.id = w.template_id
      WHERE ${SCOPES[key]} AND NOT w.deleted AND w.autostart_schedule IS NOT NULL
      ORDER BY w.id`,
    [value],
  );
  return rows.map((r) => ({
    id: r.id,
    autostartSchedule: r.autostart_schedule,
    dormantAt: r.dormant_at,
    nextStartAt: r.next_start_at,
    autostartBlocked: r.autostart_blocked,
    autostartPause: r.autostart_paused
      ? { until: r.autostart_paused_until, note: r.autostart_pause_note, by: r.autostart_paused_by }
      : null,
    autostartSkipAt: r.autostart_skip_at,
    holidays: r.holidays ?? undefined,
    template: { allowUserAutostart: r.allow_user_autostart, autostartAllowedDays: r.autostart_allowed_days },
  }));
}

/** Sets or clears the pause. */
export async function setPause(
  c: PoolClient,
  workspaceId: string,
  pause: { until: Date | null; note: string | null; by: string } | null,
): Promise<void> {
  await c.query(
    `UPDATE workspaces SET autostart_paused = $2, autostart_paused_until = $3, autostart_pause_note = $4, autostart_paused_by = $5 WHERE id = $1`,
    [workspaceId, pause !== null, pause?.until ?? null, pause?.note ?? null, pause?.by ?? null],
  );
}

export async function setSkipAt(c: PoolClient, workspaceId: string, skipAt: Date | null): Promise<void> {
  await c.query('UPDATE workspaces SET autostart_skip_at = $2 WHERE id = $1', [workspaceId, skipAt]);
}
