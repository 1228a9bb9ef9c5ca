// Holiday calendars (docs/rules.md#holiday-calendars): named lists of dates,
// each optionally named, attached to templates (all their workspaces) and to
// users (theirs). Every edit recomputes next_start_at and the blocked record of
// every workspace it affects, in its own transaction, with its audit row.
import type { PoolClient } from '../db/pool.js';
import {
  type AutostartScope,
  attachCalendar,
  type CalendarRow,
  calendarDates,
  deleteCalendar,
  deleteDate,
  detachCalendar,
  findCalendar,
  type HolidayDateRow,
  insertCalendar,
  listCalendars,
  lockAutostartInputs,
  upsertDates,
} from '../db/sql/calendars.js';
import { databaseNow } from '../db/sql/complete-build.js';
import { findTemplate } from '../db/sql/templates.js';
import { findUser } from '../db/sql/users.js';
import { recordAudit } from './audit.js';
import { type OpsDeps, transaction } from './context.js';
import { conflict, invalid, notFound } from './errors.js';
import { parseIcsHolidays } from './ics.js';
import { type Page, type PageRequest, pageQuery, toPage } from './pages.js';
import { dayOfDate, recomputeAutostart } from './pause.js';
import * as v from './validate.js';

export type Calendar = CalendarRow;
export type HolidayDate = HolidayDateRow;

export interface CalendarDetails extends Calendar {
  holidays: HolidayDate[];
}

/** What an edit did, and how many workspaces' next_start_at (or blocked record) it changed. */
export interface CalendarChange {
  calendar: Calendar;
  /** Dates added or renamed (import, add-date), removed (remove-date); 0 otherwise. */
  dates: number;
  autostartRecomputed: number;
}

export type CalendarTarget = { template: string } | { user: string };

const HOLIDAY_NAME_MAX = 200;

function holidayDate(text: unknown): string {
  if (typeof text !== 'string' || dayOfDate('date', text) === null) {
    throw invalid(`invalid date ${JSON.stringify(typeof text === 'string' ? text.slice(0, 40) : text)}: use YYYY-MM-DD`, 'date');
  }
  return text;
}

function holidayName(name: unknown): string | null {
  if (name == null || name === '') return null;
  if (typeof name !== 'string' || name.length > HOLIDAY_NAME_MAX || /[\p{Cc}\u2028\u2029]/u.test(name)) {
    throw invalid(`invalid holiday name: one line of at most ${HOLIDAY_NAME_MAX} characters`, 'name');
  }
  return name;
}

export class CalendarOps {
  constructor(private readonly deps: OpsDeps) {}

  async create(name: string): Promise<Calendar> {
    const checked = v.name('calendar name', name);
    return transaction(this.deps, async (c) => {
      const id = await insertCalendar(c, checked);
      if (id === null) throw conflict(`calendar ${checked} already exists`);
      await this.audit(c, 'calendar.create', id, null, { name: checked });
      return (await findCalendar(c, id))!;
    });
  }

  /** Deletes it with its dates and attachments; the workspaces it held back are recomputed. */
  async delete(ref: string): Promise<CalendarChange> {
    return transaction(this.deps, async (c) => {
      const calendar = await this.lock(c, ref);
      // Lock the affected workspaces while the attachments still say which they are.
      const scope: AutostartScope = { calendarId: calendar.id };
      const ids = (await lockAutostartInputs(c, scope)).map((w) => w.id);
      await deleteCalendar(c, calendar.id);
      let autostartRecomputed = 0;
      for (const id of ids) autostartRecomputed += await recomputeAutostart(c, { workspaceId: id });
      await this.audit(c, 'calendar.delete', calendar.id, { name: calendar.name, dates: calendar.dates }, { autostartRecomputed });
      return { calendar, dates: calendar.dates, autostartRecomputed };
    });
  }

  async get(ref: string): Promise<CalendarDetails> {
    const calendar = await findCalendar(this.deps.pool, this.ref(ref));
    if (calendar === null) throw notFound(`no calendar ${ref}`);
    return { ...calendar, holidays: await calendarDates(this.deps.pool, calendar.id) };
  }

  /** A page of calendars, by name. */
  async list(page: PageRequest = {}): Promise<Page<Calendar>> {
    const { limit, after } = pageQuery(page, 1);
    const rows = await listCalendars(this.deps.pool, { after: after?.[0] ?? null, limit: limit + 1 });
    return toPage(rows, limit, (x) => [x.name]);
  }

  /** Adds a date (or renames it when listed). */
  async addDate(ref: string, date: string, name?: string | null): Promise<CalendarChange> {
    const holiday = { date: holidayDate(date), name: holidayName(name) };
    return this.editDates(ref, async (c, calendar) => upsertDates(c, calendar.id, [holiday]), { added: holiday });
  }

  async removeDate(ref: string, date: string): Promise<CalendarChange> {
    const checked = holidayDate(date);
    return this.editDates(
      ref,
      async (c, calendar) => {
        if (!(await deleteDate(c, calendar.id, checked))) throw notFound(`calendar ${calendar.name} does not list ${checked}`);
        return 1;
      },
      { removed: checked },
    );
  }

  /**
   * Adds the all-day events of an iCalendar file (docs/rules.md#holiday-calendars),
   * creating the calendar when there is none of that name. A file with a timed
   * event or that does not parse writes nothing.
   */
  async import(ref: string, ics: string): Promise<CalendarChange> {
    const today = (await databaseNow(this.deps.pool)).toISOString().slice(0, 10);
    const holidays = parseIcsHolidays(ics, today);
    if (holidays.length === 0) throw invalid('invalid calendar file: it has no all-day events', 'ics');
    return transaction(this.deps, async (c) => {
      if ((await findCalendar(c, ref)) === null) {
        const id = await insertCalendar(c, v.name('calendar name', ref));
        if (id !== null) await this.audit(c, 'calendar.create', id, null, { name: ref });
      }
      return this.editDatesIn(c, ref, (calendar) => upsertDates(c, calendar.id, holidays), {
        imported: holidays.length,
        first: holidays[0]!.date,
        last: holidays.at(-1)!.date,
      });
    });
  }

  /** Attaches it to a template (all its workspaces) or a user (theirs). */
  async attach(ref: string, target: CalendarTarget): Promise<CalendarChange> {
    return this.attachment(ref, target, true);
  }

  async detach(ref: string, target: CalendarTarget): Promise<CalendarChange> {
    return this.attachment(ref, target, false);
  }

  private async attachment(ref: string, target: CalendarTarget, attach: boolean): Promise<CalendarChange> {
    return transaction(this.deps, async (c) => {
      const calendar = await this.lock(c, ref);
      let to: { templateId: string } | { userId: string };
      let what: Record<string, string>;
      if ('template' in target) {
        const t = await findTemplate(c, target.template, { lock: 'share' });
        if (t === null) throw notFound(`no template ${target.template}`);
        to = { templateId: t.id };
        what = { template: t.name };
      } else {
        const u = await findUser(c, target.user, { lock: 'share' });
        if (u === null) throw notFound(`no user ${target.user}`);
        to = { userId: u.id };
        what = { user: u.username };
      }
      const done = attach ? await attachCalendar(c, to, calendar.id) : await detachCalendar(c, to, calendar.id);
      if (!done) {
        throw conflict(`calendar ${calendar.name} is ${attach ? 'already' : 'not'} attached to ${Object.entries(what)[0]!.join(' ')}`);
      }
      const autostartRecomputed = await recomputeAutostart(c, to);
      await recordAudit(c, this.deps, {
        action: attach ? 'calendar.attach' : 'calendar.detach',
        templateId: 'templateId' in to ? to.templateId : null,
        userId: 'userId' in to ? to.userId : null,
        before: { calendar: calendar.name, ...what, attached: !attach },
        after: { calendar: calendar.name, ...what, attached: attach, autostartRecomputed },
      });
      return { calendar: (await findCalendar(c, calendar.id))!, dates: 0, autostartRecomputed };
    });
  }

  private editDates(
    ref: string,
    change: (c: PoolClient, calendar: Calendar) => Promise<number>,
    what: Record<string, unknown>,
  ): Promise<CalendarChange> {
    return transaction(this.deps, (c) => this.editDatesIn(c, ref, (calendar) => change(c, calendar), what));
  }

  private async editDatesIn(
    c: PoolClient,
    ref: string,
    change: (calendar: Calendar) => Promise<number>,
    what: Record<string, unknown>,
  ): Promise<CalendarChange> {
    const calendar = await this.lock(c, ref);
    const dates = await change(calendar);
    const autostartRecomputed = await recomputeAutostart(c, { calendarId: calendar.id });
    const after = (await findCalendar(c, calendar.id))!;
    await this.audit(
      c,
      'calendar.dates',
      calendar.id,
      { name: calendar.name, dates: calendar.dates },
      {
        ...what,
        dates: after.dates,
        autostartRecomputed,
      },
    );
    return { calendar: after, dates, autostartRecomputed };
  }

  private async lock(c: PoolClient, ref: string): Promise<Calendar> {
    const calendar = await findCalendar(c, this.ref(ref), { lock: true });
    if (calendar === null) throw notFound(`no calendar ${ref}`);
    return calendar;
  }

  private ref(ref: string): string {
    if (typeof ref !== 'string' || ref === '') throw invalid('invalid calendar: use its name or id', 'calendar');
    return ref;
  }

  private audit(
    c: PoolClient,
    action: 'calendar.create' | 'calendar.delete' | 'calendar.dates',
    calendarId: string,
    before: Record<string, unknown> | null,
    after: Record<string, unknown>,
  ) {
    return recordAudit(c, this.deps, { action, before, after: { calendarId, ...after } });
  }
}
