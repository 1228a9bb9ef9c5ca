/**
 * docs/rules.md#catch-up-after-downtime: what becomes of an autostart that fell
 * due while the engine was down. "Down" is measured from the last tick the
 * engine completed; the template's `catchup` says which such autostarts still
 * start. Autostop, dormancy and deletion always catch up and are not asked.
 */
import { formatDuration } from './duration.js';
import type { WorkspaceSnapshot } from './snapshot.js';
import { iso, MINUTE } from './time.js';

/**
 * How long after its due instant an autostart still counts as on time: an
 * outage shorter than this is not downtime, and neither is a tick that is
 * still running (the 9:00 rush) while the minutes behind it wait.
 */
export const CATCHUP_GRACE_MS = 5 * MINUTE;

export interface CatchupVerdict {
  /** The policy skips this autostart: no build, and the next autostart is the first after T. */
  skipped: boolean;
  /** The clause `explain` shows, naming the policy, the due instant and the last completed tick. */
  because: string;
}

/**
 * The catch-up policy's say on an autostart due at `due` and found due at T,
 * or null when it has none: the policy is `all` (absent), the last completed
 * tick is unknown or not before `due`, or T is within the grace of `due`.
 * `nextAfter` gives the next autostart after T, named when it is skipped.
 */
export function catchupVerdict(
  s: Pick<WorkspaceSnapshot, 'template' | 'lastCompletedTick'>,
  due: Date,
  T: Date,
  nextAfter: () => Date,
): CatchupVerdict | null {
  const policy = s.template.catchup ?? 'all';
  const last = s.lastCompletedTick ?? null;
  if (policy === 'all' || last === null) return null;
  const late = T.getTime() - due.getTime();
  if (!(last < due) || late < CATCHUP_GRACE_MS) return null;
  const down = `autostart due ${iso(due)} fell due while the engine was down (last completed tick ${iso(last)})`;
  const window = s.template.catchupWindowMs ?? 0;
  if (policy === 'latest' && late <= window) {
    return { skipped: false, because: `catch-up latest: ${down}, within the window ${formatDuration(window)} before tick ${iso(T)}` };
  }
  const beyond = policy === 'latest' ? `, more than the window ${formatDuration(window)} before tick ${iso(T)}` : '';
  return { skipped: true, because: `catch-up ${policy}: ${down}${beyond}; skipped, next autostart ${iso(nextAfter())}` };
}
