// A tick's statistics: fixed-size whatever the number of workspaces (counts by
// key, and at most SAMPLE_CAP workspace ids per outcome and error messages).
// Carried across continue-as-new, so plain JSON.
import type { EvaluationOutcome, SkipReason } from '../engine/outcome.js';

export const SAMPLE_CAP = 100;
/** Characters kept of each sampled error message: the statistics are carried across continue-as-new. */
export const MESSAGE_CAP = 500;

export interface TickError {
  workspaceId: string;
  message: string;
}

export interface TickStats {
  /** T, ISO-8601. */
  tick: string;
  /** Workspaces the candidate query returned. */
  candidates: number;
  /** Builds made, by "<transition>/<reason>", e.g. "start/autostart". */
  transitions: Record<string, number>;
  /** Changes without a build: dormancy marks and autostop reminders (not transitions, docs/rules.md#consequences-worth-testing). */
  marked: { dormant: number; reminded: number };
  /** Candidates for which nothing was due after all (the query is a superset). */
  unchanged: number;
  errors: number;
  skipped: Partial<Record<SkipReason, number>>;
  elapsedMs: number;
  /** When the first run of this tick started (workflow time), ISO-8601. */
  startedAt: string;
  samples: {
    transitions: Record<string, string[]>;
    marked: { dormant: string[]; reminded: string[] };
    skipped: Partial<Record<SkipReason, string[]>>;
    errors: TickError[];
  };
  /** The longest history among this tick's runs (events, as of its last page). */
  historyLength?: number;
  continuedAsNew: number;
}

export function emptyStats(tick: string, startedAt: string): TickStats {
  return {
    tick,
    candidates: 0,
    transitions: {},
    marked: { dormant: 0, reminded: 0 },
    unchanged: 0,
    errors: 0,
    skipped: {},
    elapsedMs: 0,
    startedAt,
    samples: { transitions: {}, marked: { dormant: [], reminded: [] }, skipped: {}, errors: [] },
    continuedAsNew: 0,
  };
}

function sample(list: string[], id: string): void {
  if (list.length < SAMPLE_CAP) list.push(id);
}

/** Adds one workspace's outcome to the statistics (mutates `stats`). */
export function record(stats: TickStats, o: EvaluationOutcome): void {
  const id = o.workspaceId;
  switch (o.kind) {
    case 'transition': {
      const key = `${o.transition}/${o.reason}`;
      stats.transitions[key] = (stats.transitions[key] ?? 0) + 1;
      stats.samples.transitions[key] ??= [];
      sample(stats.samples.transitions[key], id);
      break;
    }
    case 'skipped':
      recordSkip(stats, id, o.skipped ?? 'gone');
      break;
    case 'error':
      recordError(stats, id, o.error ?? 'unknown error');
      break;
    case 'unchanged':
      stats.unchanged++;
      break;
    case 'marked':
      break;
  }
  if (o.markedDormant) {
    stats.marked.dormant++;
    sample(stats.samples.marked.dormant, id);
  }
  if (o.reminded) {
    stats.marked.reminded++;
    sample(stats.samples.marked.reminded, id);
  }
}

export function recordError(stats: TickStats, workspaceId: string, message: string): void {
  stats.errors++;
  if (stats.samples.errors.length < SAMPLE_CAP) {
    stats.samples.errors.push({ workspaceId, message: message.length > MESSAGE_CAP ? `${message.slice(0, MESSAGE_CAP)}…` : message });
  }
}

export function recordSkip(stats: TickStats, workspaceId: string, reason: SkipReason): void {
  stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
  stats.samples.skipped[reason] ??= [];
  sample(stats.samples.skipped[reason], workspaceId);
}
