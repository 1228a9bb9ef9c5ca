/**
 * docs/rules.md#autodelete-warning: the owner of a dormant workspace is told, once per
 * deletion date, a chosen time before autodelete deletes it. Off unless the template
 * sets `autodelete_notify_before`; checked only when no rule matched, like the autostop reminder.
 */
import { formatDuration } from './duration.js';
import type { WorkspaceSnapshot } from './snapshot.js';
import { iso } from './time.js';

export interface DeleteWarningVerdict {
  readonly eligible: boolean;
  readonly because: string;
}

/** Whether the warning is due at `T` (a tick, truncated to the minute), and why (or why not). */
export function isEligibleForDeleteWarning(s: WorkspaceSnapshot, T: Date): DeleteWarningVerdict {
  const notifyBefore = s.template.autodeleteNotifyBeforeMs ?? 0;
  if (notifyBefore <= 0) return { eligible: false, because: 'the autodelete warning is off' };
  if (s.workspace.dormantAt === null) return { eligible: false, because: 'the workspace is not dormant' };
  if (s.template.timeTilDormantAutodeleteMs <= 0) return { eligible: false, because: 'autodelete is off' };
  const { deletingAt, notifiedDeletingAt } = s.workspace;
  if (deletingAt === null) return { eligible: false, because: 'the workspace is dormant without a deletion date' };
  if (!(deletingAt > T && deletingAt.getTime() - notifyBefore <= T.getTime())) {
    return {
      eligible: false,
      because: `deleting_at ${iso(deletingAt)} is not within ${formatDuration(notifyBefore)} after tick ${iso(T)}`,
    };
  }
  if (notifiedDeletingAt != null && notifiedDeletingAt.getTime() === deletingAt.getTime()) {
    return { eligible: false, because: `deleting_at ${iso(deletingAt)} was already warned of` };
  }
  return { eligible: true, because: `deleting_at ${iso(deletingAt)} is within ${formatDuration(notifyBefore)} after tick ${iso(T)}` };
}
