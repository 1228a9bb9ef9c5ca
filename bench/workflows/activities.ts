// The bench-only shapes' activities: no work at all, so that what is measured
// is Temporal's own cost per child (docs/benchmarks.md#scenarios).
import type { Client } from '@temporalio/client';
import { REASON, TICK_TIME, TRANSITION, WORKSPACE_ID } from '../../src/workflows/search-attributes.js';

export async function trivial(): Promise<number> {
  return 1;
}

export interface ShapeBuildStart {
  workflowId: string;
  /** Stands for the workspace id (a search attribute, as on the engine's build). */
  item: string;
  /** Stands for T: the engine's TickTime search attribute, unique per shape run. */
  tick: string;
  /** The `attributes` scenario's variants only: false starts it without the build's search attributes. */
  attributes?: boolean;
}

/**
 * The engine's hand-off without its transaction: start the second workflow
 * the way startBuild (src/builds/start-build.ts) starts a build — eagerly,
 * over the worker's own connection, with the build's four search attributes.
 */
export function createShapeActivities(client: Client, taskQueue: string) {
  return {
    async startShapeBuild(s: ShapeBuildStart): Promise<void> {
      await client.workflow.start('shapeBuild', {
        workflowId: s.workflowId,
        taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        requestEagerStart: true,
        ...(s.attributes !== false && {
          typedSearchAttributes: [
            { key: WORKSPACE_ID, value: s.item },
            { key: TRANSITION, value: 'start' },
            { key: REASON, value: 'autostart' },
            { key: TICK_TIME, value: new Date(s.tick) },
          ],
        }),
      });
    },
  };
}

export type ShapeActivities = ReturnType<typeof createShapeActivities> & { trivial: typeof trivial };
