// What a rule does to a workspace besides its build, in one place for the
// engine and for a person's action (the operations module): the dormancy
// mark with its notification, the autostop reminder, the autodelete warning
// and notice.
// Each runs inside the caller's transaction, under the workspace's row lock.
import type { InsertedBuild } from '../db/insert-build.js';
import type { LoadedWorkspace } from '../db/load-snapshot.js';
import type { PoolClient } from '../db/pool.js';
import { markDormant as writeDormancy } from '../db/sql/mark-dormant.js';
import { stampAutodeleteWarning } from '../db/sql/stamp-autodelete-warning.js';
import { stampAutostopReminder } from '../db/sql/stamp-autostop-reminder.js';
import { type DormancyMarks, dormancyMarks } from '../lifecycle/index.js';
import { createActionLink } from '../notifications/action-links.js';
import { insertNotification } from '../notifications/outbox.js';

/** Dormant as of `at` (docs/rules.md#dormancy): no autostart, deletion scheduled by the template, the owner told why. */
export async function markDormant(client: PoolClient, w: LoadedWorkspace, at: Date, why: string): Promise<DormancyMarks> {
  const marks = dormancyMarks(at, w.snapshot.template);
  const id = w.snapshot.workspace.id;
  await writeDormancy(client, id, marks);
  await insertNotification(client, {
    kind: 'workspace_dormant',
    workspaceId: id,
    userId: w.ownerId,
    payload: {
      workspaceName: w.workspaceName,
      owner: w.ownerName,
      dormantAt: marks.dormantAt.toISOString(),
      deletingAt: marks.deletingAt?.toISOString() ?? null,
      reason: why,
    },
    dedupeKey: `dormant:${id}:${at.toISOString()}`,
  });
  return marks;
}

/**
 * The autostop reminder for the running build's deadline, stamped so that each deadline is reminded once,
 * with its two action links (docs/rules.md#reminder-actions), valid until the deadline. The stamp comes
 * first: an evaluation that runs again finds it and makes no second pair of links.
 */
export async function sendAutostopReminder(client: PoolClient, w: LoadedWorkspace, deadline: Date, publicUrl: string): Promise<boolean> {
  const id = w.snapshot.workspace.id;
  if (!(await stampAutostopReminder(client, w.latestBuild.id, deadline))) return false;
  const link = (action: 'extend' | 'skip-stop') => createActionLink(client, publicUrl, { workspaceId: id, action, expiresAt: deadline });
  await insertNotification(client, {
    kind: 'autostop_reminder',
    workspaceId: id,
    userId: w.ownerId,
    payload: {
      workspaceName: w.workspaceName,
      owner: w.ownerName,
      deadline: deadline.toISOString(),
      actions: { keepRunning: await link('extend'), skipStop: await link('skip-stop') },
    },
    dedupeKey: `reminder:${id}:${deadline.toISOString()}`,
  });
  return true;
}

/**
 * docs/rules.md#autodelete-warning: the owner is told that the dormant workspace is deleted after
 * `deletingAt`, with a "keep it" link valid until then; stamped so that each deletion date is warned of once.
 */
export async function sendAutodeleteWarning(client: PoolClient, w: LoadedWorkspace, deletingAt: Date, publicUrl: string): Promise<boolean> {
  const id = w.snapshot.workspace.id;
  if (!(await stampAutodeleteWarning(client, id, deletingAt))) return false;
  const keep = await createActionLink(client, publicUrl, { workspaceId: id, action: 'keep', expiresAt: deletingAt });
  await insertNotification(client, {
    kind: 'autodelete_warning',
    workspaceId: id,
    userId: w.ownerId,
    payload: {
      workspaceName: w.workspaceName,
      owner: w.ownerName,
      dormantAt: w.snapshot.workspace.dormantAt?.toISOString() ?? null,
      deletingAt: deletingAt.toISOString(),
      actions: { keep },
    },
    dedupeKey: `autodelete-warning:${id}:${deletingAt.toISOString()}`,
  });
  return true;
}

/** The owner is told that autodelete deletes the workspace (with the build that does it). */
export async function noticeAutodelete(client: PoolClient, w: LoadedWorkspace, build: InsertedBuild): Promise<void> {
  await insertNotification(client, {
    kind: 'workspace_autodeleted',
    workspaceId: w.snapshot.workspace.id,
    userId: w.ownerId,
    payload: {
      workspaceName: w.workspaceName,
      owner: w.ownerName,
      buildNumber: build.buildNumber,
      dormantAt: w.snapshot.workspace.dormantAt?.toISOString() ?? null,
    },
    dedupeKey: `autodelete:${build.buildId}`,
  });
}
