// Starting a tick by hand (the CLI's `tick --at`): the same workflow the
// Schedule starts, under its own id so it never collides with the scheduled
// run of the same minute.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { truncateToMinute } from '../lifecycle/index.js';
import { TICK_TIME } from '../workflows/search-attributes.js';
import type { TickInput, tick } from '../workflows/tick.js';

export const manualTickWorkflowId = (at: Date) => `tick/manual/${truncateToMinute(at).toISOString()}/${randomUUID().slice(0, 8)}`;

export async function startManualTick(
  client: Client,
  taskQueue: string,
  at: Date,
  opts: Pick<TickInput, 'pageSize' | 'batchSize'> = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof tick>> {
  const T = truncateToMinute(at);
  return client.workflow.start<typeof tick>('tick', {
    workflowId: manualTickWorkflowId(at),
    taskQueue,
    args: [{ at: T.toISOString(), ...opts }],
    typedSearchAttributes: [{ key: TICK_TIME, value: T }],
    staticSummary: `manual tick as of ${T.toISOString()}`,
  });
}
