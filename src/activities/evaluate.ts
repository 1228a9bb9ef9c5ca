// Activities of the per-workspace workflow, all local (docs/orchestration.md):
// `evaluate` is the whole evaluation in one; `loadWorkspace` and
// `applyDecision` are its two halves, which runs started before
// `evaluateInActivity` call (and their recorded histories replay).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { applyDecision, InvalidDataError, type EngineDeps } from '../engine/apply-decision.js';
import { INVALID_DATA, type ApplyInput, type ApplyResult, type LoadedEvaluation } from '../engine/evaluation.js';
import { loadEvaluation } from '../engine/load-evaluation.js';
import { evaluateOnce, type EvaluateOnceInput, type Evaluation } from '../engine/evaluate-once.js';

export function createEvaluateActivities(deps: EngineDeps) {
  return {
    async evaluate(input: EvaluateOnceInput): Promise<Evaluation> {
      // A retry may find the build its earlier attempt committed (src/engine/evaluate-once.ts).
      const retry = Context.current().info.attempt > 1;
      return nonRetryableOnInvalidData(() => evaluateOnce(deps, { ...input, retry }));
    },

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
