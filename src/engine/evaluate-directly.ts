// One evaluation of one workspace without Temporal: the same read, decision
// and build transaction the per-workspace workflow runs, for the benchmark's
// direct executor (issue 8) and for scripts. No retries, no history.
import { decide, snapshotFromJson, truncateToMinute } from '../lifecycle/index.js';
import { applyDecision, type EngineDeps } from './apply-decision.js';
import { isNoop, type ApplyResult, type DecisionJson } from './evaluation.js';
import { loadEvaluation } from './load-evaluation.js';

export interface DirectEvaluation {
  decision: DecisionJson | null;
  result: ApplyResult | null;
}

export async function evaluateDirectly(deps: EngineDeps, workspaceId: string, at: Date): Promise<DirectEvaluation> {
  const tick = truncateToMinute(at).toISOString();
  const loaded = await loadEvaluation(deps.pool, workspaceId, tick);
  if (loaded === null) return { decision: null, result: null };
  const snapshot = snapshotFromJson(loaded.snapshot);
  const decision = decide(snapshot, new Date(tick));
  if (isNoop(decision) && !loaded.cacheStale) return { decision, result: null };
  const result = await applyDecision(deps, {
    workspaceId,
    tick,
    decision,
    buildNumber: snapshot.latestBuild.buildNumber,
    workflowId: null,
  });
  return { decision, result };
}
