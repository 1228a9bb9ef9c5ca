// The first read of an evaluation, outside any transaction (the transaction
// re-reads under the lock). `readWorkspace` and `cacheStale` serve both paths:
// `evaluateOnce` (src/engine/evaluate-once.ts) and, for runs started without
// `evaluateInActivity`, `loadEvaluation`, whose JSON snapshot the workflow decides on.
import { LOCKED, loadSnapshot, type LoadedWorkspace } from '../db/load-snapshot.js';
import type { Pool } from '../db/pool.js';
import { snapshotToJson } from '../lifecycle/index.js';
import { classifyError } from './apply-decision.js';
import { tickAutostartCache, type LoadedEvaluation } from './evaluation.js';

/** null: the workspace does not exist, has no build, or is deleted. */
export async function readWorkspace(pool: Pool, workspaceId: string): Promise<LoadedWorkspace | null> {
  try {
    const loaded = await loadSnapshot(pool, workspaceId);
    return loaded === null || loaded === LOCKED || loaded.deleted ? null : loaded;
  } catch (err) {
    throw classifyError(err);
  }
}

/** Whether the §4.5 cache needs writing at T even when the decision is nothing. */
export function cacheStale(loaded: LoadedWorkspace, T: Date): boolean {
  const { snapshot } = loaded;
  const stored = { nextStartAt: snapshot.workspace.nextStartAt, autostartBlocked: loaded.autostartBlocked };
  return snapshot.workspace.dormantAt === null && tickAutostartCache(snapshot, stored, T) !== null;
}

/** null: the workspace does not exist, has no build, or is deleted. */
export async function loadEvaluation(pool: Pool, workspaceId: string, tick: string): Promise<LoadedEvaluation | null> {
  const loaded = await readWorkspace(pool, workspaceId);
  if (loaded === null) return null;
  try {
    return { workspaceId, snapshot: snapshotToJson(loaded.snapshot), cacheStale: cacheStale(loaded, new Date(tick)) };
  } catch (err) {
    throw classifyError(err);
  }
}
