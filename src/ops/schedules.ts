// A weekly schedule read back before it is saved: the text as it would be
// stored, a person's reading of it ("Mon–Fri 08:30 Europe/Berlin") and its next
// occurrences from the database clock, each marked with whether the template
// allows autostart on its day. Writes nothing.
import { databaseNow } from '../db/sql/complete-build.js';
import { findTemplate } from '../db/sql/templates.js';
import { describeSchedule, parseWeeklySchedule, type Weekday } from '../lifecycle/index.js';
import type { OpsDeps } from './context.js';
import { invalid, notFound } from './errors.js';
import * as v from './validate.js';

export const SCHEDULE_PREVIEW_MAX = 20;

export interface SchedulePreview {
  /** The schedule as it would be stored. */
  schedule: string;
  /** "Mon–Fri 08:30 Europe/Berlin". */
  summary: string;
  timezone: string;
  /** The database clock's now, from which the occurrences are counted. */
  from: Date;
  /** The template's allowed autostart days; null when no template was named. */
  allowedDays: Weekday[] | null;
  occurrences: { at: Date; weekday: Weekday; allowed: boolean }[];
}

export class ScheduleOps {
  constructor(private readonly deps: OpsDeps) {}

  /** The next `count` (default 5) occurrences of `schedule`; with `template`, whether each falls on an allowed day. */
  async preview(input: { schedule: unknown; template?: string; count?: number }): Promise<SchedulePreview> {
    const spec = v.weeklySchedule('autostart schedule', input.schedule);
    const count = input.count ?? 5;
    if (!Number.isInteger(count) || count < 1 || count > SCHEDULE_PREVIEW_MAX) {
      throw invalid(`invalid count: expected a whole number from 1 to ${SCHEDULE_PREVIEW_MAX}`, 'count');
    }
    let allowedDays: Weekday[] | null = null;
    if (input.template !== undefined) {
      const template = await findTemplate(this.deps.pool, input.template);
      if (template === null) throw notFound(`no template ${input.template}`);
      allowedDays = [...template.policy.autostartAllowedDays];
    }
    const schedule = parseWeeklySchedule(spec);
    const from = await databaseNow(this.deps.pool);
    const occurrences: SchedulePreview['occurrences'] = [];
    let after = from;
    while (occurrences.length < count) {
      const { at, weekday } = schedule.nextOccurrence(after);
      occurrences.push({ at, weekday, allowed: allowedDays === null || allowedDays.includes(weekday) });
      after = at;
    }
    return { schedule: spec, summary: describeSchedule(schedule), timezone: schedule.timezone, from, allowedDays, occurrences };
  }
}
