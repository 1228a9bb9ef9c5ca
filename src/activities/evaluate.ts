// Activities of the per-workspace workflow: the first read and the build
// transaction. Both run as local activities (see docs/orchestration.md).
import { ApplicationFailure } from '@temporalio/activity';
import { applyDecision, InvalidDataError, type EngineDeps } from '../engine/apply-decision.js';
import { INVALID_DATA, type ApplyInput, type ApplyResult, type LoadedEvaluation } from '../engine/evaluation.js';
import { loadEvaluation } from '../engine/load-evaluation.js';

export function createEvaluateActivities(deps: EngineDeps) {
  return {
    async loadWorkspace(input: { workspaceId: string; tick: string }): Promise<LoadedEvaluation | null> {
      return nonRetryableOnInvalidData(() => loadEvaluation(deps.pool, input.workspaceId, input.tick));
    },

    async applyDecision(input: ApplyInput): Promise<ApplyResult> {
      return nonRetryableOnInvalidData(() => applyDecision(deps, input));
    },
  };
}

async function nonRetryableOnInvalidData<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidDataError) throw ApplicationFailure.nonRetryable(err.message, INVALID_DATA);
    throw err;
  }
}
