// A build committed the way the engine and the operations module commit one
// (the workspace's row lock, then insertNextBuild), without the hand-off to
// provisioning: it stays pending until a test starts its workflow.
import { type BuildRequest, type InsertedBuild, insertNextBuild } from '../../src/db/insert-build.js';
import { LOCKED, loadSnapshot } from '../../src/db/load-snapshot.js';
import { inTransaction, type Pool } from '../../src/db/pool.js';

export async function commitBuild(
  pool: Pool,
  b: Partial<BuildRequest> & Pick<BuildRequest, 'transition' | 'initiatorId'> & { workspaceId: string },
): Promise<InsertedBuild> {
  return inTransaction(pool, async (c) => {
    const w = await loadSnapshot(c, b.workspaceId, { lock: 'wait' });
    if (w === null || w === LOCKED) throw new Error(`no workspace ${b.workspaceId} with a build`);
    return insertNextBuild(c, w, { reason: 'initiator', workflowId: null, createdAt: null, ...b });
  });
}
