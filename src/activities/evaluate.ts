// The per-workspace workflow's one activity (local, docs/orchestration.md#the-evaluation):
// the whole evaluation — read, the core's decision, the build transaction — in one.
import { ApplicationFailure, activityInfo } from '@temporalio/activity';
import { type EngineDeps, evaluateWorkspace, InvalidDataError } from '../engine/evaluate.js';
import { type EvaluationOutcome, INVALID_DATA } from '../engine/outcome.js';

export interface EvaluateActivityInput {
  workspaceId: string;
  /** T, ISO-8601, truncated to the minute. */
  tick: string;
  /**
   * Which evaluation of its run this is (1, 2, …), counted by the workflow. Not the activity id:
   * a local activity whose retry backs off longer than its localRetryThreshold is scheduled
   * again under a new id, and the key must stay the same across all its attempts.
   */
  evaluation: number;
}

export function createEvaluateActivities(deps: EngineDeps) {
  return {
    async evaluate(input: EvaluateActivityInput): Promise<EvaluationOutcome> {
      const { workflowExecution } = activityInfo();
      if (workflowExecution === undefined) throw ApplicationFailure.nonRetryable('evaluate runs only inside the per-workspace workflow');
      const { workflowId, runId } = workflowExecution;
      try {
        // Every attempt of this evaluation, on any worker and after any backoff, has the same key.
        const { workspaceId, tick, evaluation } = input;
        return await evaluateWorkspace(deps, { workspaceId, tick, workflowId, key: `${workflowId}/${runId}/${evaluation}` });
      } catch (err) {
        if (err instanceof InvalidDataError) throw ApplicationFailure.nonRetryable(err.message, INVALID_DATA);
        throw err;
      }
    },
  };
}
