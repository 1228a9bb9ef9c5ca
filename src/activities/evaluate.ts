// The per-workspace workflow's one activity (local, docs/orchestration.md#the-evaluation):
// the whole evaluation — read, the core's decision, the build transaction — in one.
import { ApplicationFailure, activityInfo } from '@temporalio/activity';
import { type EngineDeps, evaluateWorkspace, InvalidDataError } from '../engine/evaluate.js';
import { type EvaluationOutcome, INVALID_DATA } from '../engine/outcome.js';

export interface EvaluateActivityInput {
  workspaceId: string;
  /** T, ISO-8601, truncated to the minute. */
  tick: string;
}

export function createEvaluateActivities(deps: EngineDeps) {
  return {
    async evaluate(input: EvaluateActivityInput): Promise<EvaluationOutcome> {
      const { workflowExecution, activityId } = activityInfo();
      if (workflowExecution === undefined) throw ApplicationFailure.nonRetryable('evaluate runs only inside the per-workspace workflow');
      const { workflowId, runId } = workflowExecution;
      try {
        // Every attempt of this activity, on any worker, has the same key.
        return await evaluateWorkspace(deps, { ...input, workflowId, key: `${workflowId}/${runId}/${activityId}` });
      } catch (err) {
        if (err instanceof InvalidDataError) throw ApplicationFailure.nonRetryable(err.message, INVALID_DATA);
        throw err;
      }
    },
  };
}
