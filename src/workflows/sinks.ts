// What workflow code tells the worker around it through sinks: a sink call
// adds no event to the history and makes no command (a replay calls none), and
// the worker carries it out after the workflow task. The worker's side is
// src/metrics/sinks.ts.
import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { TickStats } from './tick-stats.js';

export interface AutobuildSinks extends Sinks {
  metrics: {
    /** A tick's last page ended: its duration, candidates and skips go to the worker's metrics. */
    tickCompleted(stats: TickStats): void;
  };
}

export const { metrics } = proxySinks<AutobuildSinks>();
