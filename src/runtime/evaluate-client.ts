// Re-evaluating one workspace now, from outside the worker: `evaluateNow` as
// update-with-start (waits for the answer; the CLI's `reevaluate`), and the
// `reevaluate` signal as signal-with-start (fire and forget). Both land on the
// workspace's one workflow id, so they join an evaluation already running.
import { type Client, WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import type { EvaluateResult } from '../engine/outcome.js';
import type { EvaluateWorkspaceInput, evaluateWorkspace } from '../workflows/evaluate-workspace.js';
import { evaluateNowUpdate, type ReevaluateRequest, reevaluateSignal, workspaceWorkflowId } from '../workflows/messages.js';
import { WORKSPACE_ID } from '../workflows/search-attributes.js';

function startOptions(taskQueue: string, workspaceId: string) {
  return {
    workflowId: workspaceWorkflowId(workspaceId),
    taskQueue,
    args: [{ workspaceId }] as [EvaluateWorkspaceInput],
    typedSearchAttributes: [{ key: WORKSPACE_ID, value: workspaceId }],
    staticSummary: `re-evaluate workspace ${workspaceId}`,
  };
}

export async function evaluateNow(client: Client, taskQueue: string, workspaceId: string): Promise<EvaluateResult> {
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof evaluateWorkspace>('evaluateWorkspace', {
    ...startOptions(taskQueue, workspaceId),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return client.workflow.executeUpdateWithStart(evaluateNowUpdate, { args: [], startWorkflowOperation });
}

export async function signalReevaluate(
  client: Client,
  taskQueue: string,
  workspaceId: string,
  request: ReevaluateRequest = {},
): Promise<WorkflowHandle<typeof evaluateWorkspace>> {
  return client.workflow.signalWithStart<typeof evaluateWorkspace, [ReevaluateRequest?]>('evaluateWorkspace', {
    ...startOptions(taskQueue, workspaceId),
    signal: reevaluateSignal,
    signalArgs: [request],
  });
}
