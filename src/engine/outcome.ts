// What one evaluation of a workspace did: the result of the engine's one
// evaluation function (src/engine/evaluate.ts), returned by the `evaluate`
// activity, recorded in the per-workspace workflow's history and counted in
// the tick's statistics. Plain JSON with ISO-8601 instants, since it crosses
// the workflow/activity boundary.
import type { Decision, Reason, Transition } from '../lifecycle/index.js';

/** The failure type of data no retry can fix: this workspace's evaluation fails, without retries. */
export const INVALID_DATA = 'InvalidData';

/**
 * Why an evaluation did nothing although something may have been due
 * (docs/orchestration.md lists each with when it happens):
 * - `lock held`: another transaction (a person's action, another evaluator) holds the workspace;
 * - `already running`: the workspace's workflow was running (the tick's only);
 * - `blocked`: its autostart can never fire, recorded now (once);
 * - `race lost`: another actor created the same build number first;
 * - `gone`: the workspace is deleted or has no build;
 * - `catch-up`: its autostart fell due while the engine was down and the template's catch-up policy skips it
 *   (docs/rules.md#catch-up-after-downtime); its next autostart is the first after T.
 */
export type SkipReason = 'lock held' | 'already running' | 'blocked' | 'race lost' | 'gone' | 'catch-up';

export interface EvaluationOutcome {
  workspaceId: string;
  /** T, ISO-8601. */
  tick: string;
  kind: 'transition' | 'marked' | 'unchanged' | 'skipped' | 'error';
  /** The core's decision with its explanation; null when the workspace was not read (skipped). */
  decision: Decision | null;
  buildNumber: number | null;
  /** The build's provisioner job (its workflow is `build/<jobId>`). */
  jobId: string | null;
  transition: Transition | null;
  reason: Reason | null;
  markedDormant: boolean;
  reminded: boolean;
  /** docs/rules.md#autodelete-warning: the warning before autodelete was sent. Present only when true. */
  warnedDelete?: true;
  skipped: SkipReason | null;
  error: string | null;
  /** The error is data no retry can fix (a stored schedule that no longer parses): the evaluation's run fails. */
  invalidData: boolean;
  /** An earlier attempt of this same evaluation committed this outcome; this attempt changed nothing. */
  replayed: boolean;
}

/** The `evaluateNow` update's answer (and the CLI's `reevaluate`). */
export interface EvaluateResult {
  decision: Decision | null;
  buildNumber: number | null;
  tick: string;
  outcome: EvaluationOutcome;
}

export function blankOutcome(workspaceId: string, tick: string): EvaluationOutcome {
  return {
    workspaceId,
    tick,
    kind: 'unchanged',
    decision: null,
    buildNumber: null,
    jobId: null,
    transition: null,
    reason: null,
    markedDormant: false,
    reminded: false,
    skipped: null,
    error: null,
    invalidData: false,
    replayed: false,
  };
}
