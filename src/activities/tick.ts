// The tick's one activity: a page of the candidate query (docs/rules.md#candidate-query).

import type { Pool } from '../db/pool.js';
import { findCandidates } from '../db/sql/find-candidates.js';

export interface CandidatePageInput {
  /** T, ISO-8601. */
  at: string;
  afterId: string | null;
  limit: number;
}

export function createTickActivities(pool: Pool) {
  return {
    async findCandidatePage(input: CandidatePageInput): Promise<string[]> {
      return findCandidates(pool, { at: new Date(input.at), afterId: input.afterId, limit: input.limit });
    },
  };
}
