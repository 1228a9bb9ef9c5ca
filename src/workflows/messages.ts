// Messages of the per-workspace workflow, shared by workflow code and clients.
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EvaluateResult } from '../engine/outcome.js';

/** One workflow id per workspace: at most one evaluation of it runs at a time. */
export const workspaceWorkflowId = (workspaceId: string) => `workspace/${workspaceId}`;

export interface ReevaluateRequest {
  /** Free text for the history: who asked and why. */
  reason?: string;
}

/** Fire-and-forget re-evaluation at the current minute (signal-with-start, e.g. from the `temporal` CLI). */
export const reevaluateSignal = defineSignal<[ReevaluateRequest?]>('reevaluate');

/** Re-evaluates at the current minute and answers with the decision and any build made (update-with-start). */
export const evaluateNowUpdate = defineUpdate<EvaluateResult, []>('evaluateNow');
