// The tick's activities: a page of the candidate query (docs/rules.md#candidate-query), and
// the record of a completed tick that "down" is measured from (docs/rules.md#catch-up-after-downtime).
import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from '../db/pool.js';
import { recordTickCompleted } from '../db/sql/engine-ticks.js';
import { findCandidates } from '../db/sql/find-candidates.js';
import { INVALID_DATA } from '../engine/outcome.js';
import type { Logger } from '../runtime/logger.js';

export interface CandidatePageInput {
  /** T, ISO-8601. */
  at: string;
  afterId: string | null;
  limit: number;
}

export interface TickCompletedInput {
  /** T, ISO-8601. */
  at: string;
}

export function createTickActivities(pool: Pool, log: Logger) {
  return {
    /** The tick at `at` has evaluated every candidate (its last page). Idempotent: the record only moves forward. */
    async recordTickCompleted(input: TickCompletedInput): Promise<void> {
      await recordTickCompleted(pool, new Date(input.at));
    },

    async findCandidatePage(input: CandidatePageInput): Promise<string[]> {
      try {
        return await findCandidates(pool, { at: new Date(input.at), afterId: input.afterId, limit: input.limit });
      } catch (err) {
        // A data error (SQLSTATE class 22: a value out of range, …) is the same on every retry: retrying
        // would hold this tick for ever, and the Schedule's next minutes behind it. This tick fails
        // now; the next minute's tick runs.
        const code = (err as { code?: string }).code;
        if (typeof code !== 'string' || !code.startsWith('22')) throw err;
        const message = `the candidate query failed on data at ${input.at} (SQLSTATE ${code}): ${(err as Error).message}`;
        log.error(`${message}; this tick ends, the next minute's tick runs`, { tick: input.at, sqlstate: code });
        throw ApplicationFailure.nonRetryable(message, INVALID_DATA);
      }
    },
  };
}
