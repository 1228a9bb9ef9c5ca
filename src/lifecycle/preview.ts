/** What will happen to a workspace and when: the CLI's `explain`. Pure, writes nothing. */
import { autostartHeld, autostartHolds } from './autostart-constraints.js';
import { autostartTiming, type Decision, decide, usableSchedule } from './decide.js';
import { formatDuration } from './duration.js';
import type { WorkspaceSnapshot } from './snapshot.js';
import { iso, MINUTE, truncateToMinute } from './time.js';

export interface PreviewEvent {
  at: Date;
  /** One line: which rule produces this instant. */
  rule: string;
}

export interface Preview {
  /** The tick the preview is computed for (truncated to the minute). */
  at: Date;
  decision: Decision;
  nextAutostart: PreviewEvent | null;
  deadline: PreviewEvent | null;
  maxDeadline: PreviewEvent | null;
  reminderAt: PreviewEvent | null;
  dormantAt: PreviewEvent | null;
  deletingAt: PreviewEvent | null;
  /** docs/rules.md#autodelete-warning: present only when the template turns the warning on and a deletion is ahead. */
  deleteWarningAt?: PreviewEvent;
}

const firstTickStrictlyAfter = (instant: number) => new Date(Math.floor(instant / MINUTE) * MINUTE + MINUTE);
const firstTickAtOrAfter = (instant: number) => new Date(Math.ceil(instant / MINUTE) * MINUTE);

export function preview(snapshot: WorkspaceSnapshot, at: Date): Preview {
  const T = truncateToMinute(at);
  const { latestBuild: build } = snapshot;
  const running = build.transition === 'start';
  const dormant = previewDormancy(snapshot);
  const deletion = previewDeletion(snapshot, dormant);
  const warning = previewDeleteWarning(snapshot, deletion);
  return {
    at: T,
    decision: decide(snapshot, T),
    nextAutostart: previewAutostart(snapshot, T),
    deadline:
      running && build.deadline !== null
        ? { at: build.deadline, rule: 'autostop: stops at the first tick strictly after the deadline' }
        : null,
    maxDeadline:
      running && build.maxDeadline !== null
        ? { at: build.maxDeadline, rule: 'autostop requirement: activity cannot bump the deadline past this' }
        : null,
    reminderAt: previewReminder(snapshot),
    dormantAt: dormant,
    deletingAt: deletion,
    ...(warning !== null && { deleteWarningAt: warning }),
  };
}

function previewAutostart(s: WorkspaceSnapshot, T: Date): PreviewEvent | null {
  if (s.workspace.dormantAt !== null || s.owner.status !== 'active' || s.latestJob.status === 'failed') return null;
  const { schedule } = usableSchedule(s);
  if (schedule === null || autostartHeld(s, schedule, T) !== null) return null;
  const { due, nextStart, afterBuild } = autostartTiming(s, schedule, T);
  const once = s.latestBuild.transition === 'stop' ? '' : ' once the workspace is stopped';
  // docs/rules.md#pause-and-skip, docs/rules.md#holiday-calendars: what moved it, when anything did.
  const holds = autostartHolds(s, schedule, T, due);
  return {
    at: due,
    rule: `autostart${once}: the later of next_start_at ${iso(nextStart)} and the first allowed occurrence after the latest build ${iso(afterBuild)}${holds.length === 0 ? '' : ` (${holds.join(', ')})`}`,
  };
}

function previewReminder(s: WorkspaceSnapshot): PreviewEvent | null {
  const notifyBefore = s.template.autostopNotifyBeforeMs;
  const { deadline, notifiedAutostopDeadline, transition } = s.latestBuild;
  if (notifyBefore <= 0 || transition !== 'start' || deadline === null) return null;
  const sent = notifiedAutostopDeadline !== null && notifiedAutostopDeadline.getTime() === deadline.getTime();
  return {
    at: firstTickAtOrAfter(deadline.getTime() - notifyBefore),
    rule: sent
      ? `autostop reminder: already sent for deadline ${iso(deadline)}`
      : `autostop reminder: ${formatDuration(notifyBefore)} before deadline ${iso(deadline)}, unless the owner is active and the deadline can still be bumped`,
  };
}

function previewDeleteWarning(s: WorkspaceSnapshot, deletion: PreviewEvent | null): PreviewEvent | null {
  const notifyBefore = s.template.autodeleteNotifyBeforeMs ?? 0;
  if (notifyBefore <= 0 || deletion === null) return null;
  const deletingAt = deletion.at;
  const sent = s.workspace.notifiedDeletingAt != null && s.workspace.notifiedDeletingAt.getTime() === deletingAt.getTime();
  return {
    at: firstTickAtOrAfter(deletingAt.getTime() - notifyBefore),
    rule: sent
      ? `autodelete warning: already sent for deleting_at ${iso(deletingAt)}`
      : `autodelete warning: ${formatDuration(notifyBefore)} before deleting_at ${iso(deletingAt)}`,
  };
}

function previewDormancy(s: WorkspaceSnapshot): PreviewEvent | null {
  if (s.workspace.dormantAt !== null) return { at: s.workspace.dormantAt, rule: 'dormancy: already marked dormant' };
  const ttd = s.template.timeTilDormantMs;
  if (ttd <= 0) return null;
  return {
    at: firstTickStrictlyAfter(s.workspace.lastUsedAt.getTime() + ttd),
    rule: `dormancy: first tick more than ${formatDuration(ttd)} after last use ${iso(s.workspace.lastUsedAt)}, if autostop has not already stopped it`,
  };
}

function previewDeletion(s: WorkspaceSnapshot, dormant: PreviewEvent | null): PreviewEvent | null {
  const autodelete = s.template.timeTilDormantAutodeleteMs;
  if (autodelete <= 0 || dormant === null) return null;
  if (s.workspace.dormantAt !== null) {
    const { deletingAt } = s.workspace;
    return deletingAt === null ? null : { at: deletingAt, rule: 'autodelete: deleted at the first tick strictly after deleting_at' };
  }
  return {
    at: new Date(dormant.at.getTime() + autodelete),
    rule: `autodelete: ${formatDuration(autodelete)} after the workspace would become dormant, deleted at the first tick strictly after`,
  };
}
