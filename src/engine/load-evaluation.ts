// The first read of an evaluation on the two-activity path (runs started
// without `evaluateInActivity`), outside any transaction: the snapshot that the
// workflow decides on (the transaction re-reads under the lock).
import { LOCKED, loadSnapshot } from '../db/load-snapshot.js';
import type { Pool } from '../db/pool.js';
import { snapshotToJson } from '../lifecycle/index.js';
import { classifyError } from './apply-decision.js';
import { tickAutostartCache, type LoadedEvaluation } from './evaluation.js';

/** null: the workspace does not exist, has no build, or is deleted. */
export async function loadEvaluation(pool: Pool, workspaceId: string, tick: string): Promise<LoadedEvaluation | null> {
  try {
    return await load(pool, workspaceId, tick);
  } catch (err) {
    throw classifyError(err);
  }
}

async function load(pool: Pool, workspaceId: string, tick: string): Promise<LoadedEvaluation | null> {
  const loaded = await loadSnapshot(pool, workspaceId);
  if (loaded === null || loaded === LOCKED || loaded.deleted) return null;
  const { snapshot } = loaded;
  const stored = { nextStartAt: snapshot.workspace.nextStartAt, autostartBlocked: loaded.autostartBlocked };
  return {
    workspaceId,
    snapshot: snapshotToJson(snapshot),
    cacheStale: snapshot.workspace.dormantAt === null && tickAutostartCache(snapshot, stored, new Date(tick)) !== null,
  };
}
