// The worker's side of the workflows' sinks (src/workflows/sinks.ts). Every
// Worker of the engine's bundle registers them: a sink the bundle calls but the
// worker lacks is an error in the log at every call.
import type { InjectedSinks } from '@temporalio/worker';
import type { AutobuildSinks } from '../workflows/sinks.js';
import type { Metrics } from './metrics.js';

/** `null`: a worker without metrics (tests, the history recorder) takes the calls and drops them. */
export function metricsSinks(metrics: Metrics | null): InjectedSinks<AutobuildSinks> {
  return {
    metrics: {
      // Not during replay: the run that completed the tick for real has counted it.
      tickCompleted: { fn: (_info, stats) => metrics?.tickCompleted(stats), callDuringReplay: false },
    },
  };
}
