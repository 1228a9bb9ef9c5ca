// Pause and skip (docs/rules.md#pause-and-skip): pause a workspace's autostart
// until an instant or indefinitely, with a note; resume; skip the next
// occurrence only; and the recomputation of next_start_at (and the blocked
// record) that every pause, skip and calendar change makes, in its own
// transaction, for every workspace it affects.
import { LOCKED, type LoadedWorkspace, loadSnapshot } from '../db/load-snapshot.js';
import type { PoolClient } from '../db/pool.js';
import { type AutostartScope, lockAutostartInputs, setPause, setSkipAt } from '../db/sql/calendars.js';
import { databaseNow } from '../db/sql/complete-build.js';
import { updateAutostartCache } from '../db/sql/update-autostart-cache.js';
import { autostartHeld } from '../lifecycle/autostart-constraints.js';
import { autostartTiming, usableSchedule } from '../lifecycle/decide.js';
import { AUTOSTART_SEARCH_DAYS, type AutostartPause, autostartCache, DAY } from '../lifecycle/index.js';
import { instantOfWall } from '../lifecycle/zoned-time.js';
import { recordAudit } from './audit.js';
import { actorOf, type OpsDeps, transaction } from './context.js';
import { conflict, invalid, notFound } from './errors.js';
import { isInstant } from './validate.js';
import { lockLiveWorkspace } from './workspaces.js';

export const PAUSE_NOTE_MAX = 500;

export interface PauseInput {
  /**
   * When autostart may fire again: an instant, or a date `YYYY-MM-DD` (midnight
   * at its start in the schedule's zone, UTC without a schedule); absent or
   * null = indefinitely. At most AUTOSTART_SEARCH_DAYS days ahead.
   */
  until?: Date | string | null;
  note?: string | null;
}

export interface AutostartState {
  /** `owner/name` */
  workspace: string;
  pause: AutostartPause | null;
  skipAt: Date | null;
  nextStartAt: Date | null;
  autostartBlocked: string | null;
}

/** Recomputes the autostart cache of the workspaces locked by `lock`, after `change`; returns how many changed. */
export async function recomputeAutostart(c: PoolClient, scope: AutostartScope): Promise<number> {
  const at = await databaseNow(c);
  let changed = 0;
  for (const w of await lockAutostartInputs(c, scope)) {
    const cache = autostartCache(w, w.template, at, w.holidays);
    if (cache.nextStartAt?.getTime() === w.nextStartAt?.getTime() && cache.autostartBlocked === w.autostartBlocked) continue;
    await updateAutostartCache(c, w.id, cache);
    changed++;
  }
  return changed;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` that names a real date, as its day number, or null when `text` is not of that shape. */
export function dayOfDate(field: string, text: string): number | null {
  const m = DATE.exec(text);
  if (m === null) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw invalid(`invalid ${field} "${text}": not a date`, field);
  }
  return ms / DAY;
}

export class AutostartOps {
  constructor(private readonly deps: OpsDeps) {}

  /** Pauses autostart (replacing any pause); autostop is never paused. */
  async pause(ref: string, input: PauseInput = {}): Promise<AutostartState> {
    const note = input.note == null ? null : pauseNote(input.note);
    return transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      const now = await databaseNow(c);
      const until = pauseUntil(input.until ?? null, w, now);
      const by = actorOf(this.deps).name;
      await setPause(c, w.snapshot.workspace.id, { until, note, by });
      return this.finish(c, w, 'workspace.pause', { pause: { until, note, by } });
    });
  }

  async resume(ref: string): Promise<AutostartState> {
    return transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      if (w.snapshot.workspace.autostartPause == null) throw conflict(`workspace ${label(w)} is not paused`);
      await setPause(c, w.snapshot.workspace.id, null);
      return this.finish(c, w, 'workspace.resume', { pause: null });
    });
  }

  /** Skips the next autostart occurrence only (the one pending, for a stopped workspace whose autostart is due). */
  async skipNext(ref: string): Promise<AutostartState> {
    return transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      const next = nextOccurrence(w, await databaseNow(c));
      if (typeof next === 'string') throw conflict(`workspace ${label(w)} has no next autostart to skip: ${next}`);
      await setSkipAt(c, w.snapshot.workspace.id, next);
      return this.finish(c, w, 'workspace.skip', { skipAt: next });
    });
  }

  async unskip(ref: string): Promise<AutostartState> {
    return transaction(this.deps, async (c) => {
      const w = await this.lock(c, ref);
      if (w.snapshot.workspace.autostartSkipAt == null) throw conflict(`workspace ${label(w)} has no skipped autostart`);
      await setSkipAt(c, w.snapshot.workspace.id, null);
      return this.finish(c, w, 'workspace.unskip', { skipAt: null });
    });
  }

  /** Recomputes the cache, audits the change and answers with the state now. */
  private async finish(
    c: PoolClient,
    w: LoadedWorkspace,
    action: 'workspace.pause' | 'workspace.resume' | 'workspace.skip' | 'workspace.unskip',
    changed: Record<string, unknown>,
  ): Promise<AutostartState> {
    const id = w.snapshot.workspace.id;
    await recomputeAutostart(c, { workspaceId: id });
    const after = await loadSnapshot(c, id);
    if (after === null || after === LOCKED) throw notFound(`no workspace ${label(w)}`);
    const state = stateOf(after);
    const before = stateOf(w);
    const key = 'pause' in changed ? 'pause' : 'skipAt';
    await recordAudit(c, this.deps, {
      action,
      workspaceId: id,
      templateId: w.templateId,
      userId: w.ownerId,
      before: { [key]: before[key], nextStartAt: before.nextStartAt, autostartBlocked: before.autostartBlocked },
      after: { [key]: state[key], nextStartAt: state.nextStartAt, autostartBlocked: state.autostartBlocked },
    });
    return state;
  }

  private lock(c: PoolClient, ref: string): Promise<LoadedWorkspace> {
    return lockLiveWorkspace(c, ref);
  }
}

const label = (w: LoadedWorkspace) => `${w.ownerName}/${w.workspaceName}`;

function stateOf(w: LoadedWorkspace): AutostartState {
  return {
    workspace: label(w),
    pause: w.snapshot.workspace.autostartPause ?? null,
    skipAt: w.snapshot.workspace.autostartSkipAt ?? null,
    nextStartAt: w.snapshot.workspace.nextStartAt,
    autostartBlocked: w.autostartBlocked,
  };
}

function pauseNote(note: unknown): string {
  if (typeof note !== 'string' || note.length > PAUSE_NOTE_MAX || /[\p{Cc}\u2028\u2029]/u.test(note)) {
    throw invalid(`invalid note: one line of at most ${PAUSE_NOTE_MAX} characters`, 'note');
  }
  return note;
}

/** docs/rules.md#pause-and-skip: the pause's end as an instant, checked against the database clock. */
function pauseUntil(until: Date | string | null, w: LoadedWorkspace, now: Date): Date | null {
  if (until === null) return null;
  let instant: Date;
  if (typeof until === 'string') {
    const day = dayOfDate('until', until);
    if (day !== null) {
      const { schedule } = usableSchedule(w.snapshot);
      const zone = schedule?.timezone ?? 'UTC';
      instant = new Date(instantOfWall(zone, day * DAY));
    } else {
      instant = new Date(until);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(until) || Number.isNaN(instant.getTime())) {
        throw invalid(`invalid until "${until.slice(0, 80)}": an ISO-8601 instant with an offset, or a date YYYY-MM-DD`, 'until');
      }
    }
  } else {
    if (!isInstant(until)) throw invalid('invalid until: expected an instant', 'until');
    instant = until;
  }
  if (instant.getTime() <= now.getTime()) {
    throw invalid(`invalid until ${instant.toISOString()}: it is not after now (${now.toISOString()})`, 'until');
  }
  if (instant.getTime() > now.getTime() + AUTOSTART_SEARCH_DAYS * DAY) {
    throw invalid(
      `invalid until ${instant.toISOString()}: at most ${AUTOSTART_SEARCH_DAYS} days ahead; to pause longer, pause without an end`,
      'until',
    );
  }
  return instant;
}

/** The workspace's next autostart occurrence as of `now`, or why it has none. */
function nextOccurrence(w: LoadedWorkspace, now: Date): Date | string {
  const s = w.snapshot;
  if (s.workspace.dormantAt !== null) return 'it is dormant';
  const { schedule, blocked } = usableSchedule(s);
  if (schedule === null) return blocked;
  const held = autostartHeld(s, schedule, now);
  if (held !== null) return held;
  // A stopped workspace whose autostart is due but not yet made: that one is next.
  if (s.latestBuild.transition === 'stop' && s.latestJob.status !== 'failed') return autostartTiming(s, schedule, now).due;
  const cache = autostartCache(s.workspace, s.template, now, s.holidays);
  return cache.nextStartAt ?? cache.autostartBlocked ?? 'none is within reach';
}
