/**
 * The bounds of every value a person may set (docs/operations.md#bounds).
 * One bad value must not stop the engine: a duration of millions of days once
 * made the candidate query compute a timestamp before 4713 BC and fail every
 * tick, for every template. The operations module refuses values beyond
 * these with a clear message, migration 004 holds the database to them
 * (test/db/schema.test.ts checks that the two agree), and the candidate query
 * never computes with more than `policyMaxMs`.
 */
import { DAY, MINUTE } from './time.js';

export const BOUNDS = {
  /** Every template policy duration (activity bump, failure TTL, dormancy, autodelete, reminder). */
  policyMaxMs: 365 * DAY,
  ttlMinMs: MINUTE,
  ttlMaxMs: 30 * DAY,
  /** How far `extend` may move a deadline from now. */
  extendMaxMs: 30 * DAY,
  /** Characters of a schedule as typed. */
  scheduleMaxLength: 256,
} as const;
