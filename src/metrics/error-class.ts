// What kind of failure an error is, for autobuild_errors_total{class}: a few
// fixed values, so that a dashboard tells a database outage from bad data and
// from trouble with Temporal without reading logs.
import { INVALID_DATA } from '../engine/outcome.js';

/**
 * - `invalid_data`: data no retry can fix (SQLSTATE class 22 or 23, a value the core cannot decide on);
 * - `timeout`: a statement or lock timeout (docs/operations.md#database-timeouts);
 * - `serialization`: a transaction that lost a race for a row (SQLSTATE 40001, 40P01);
 * - `build_active`: an evaluation found a build running, so its decision waits;
 * - `database`: any other database error, or the database's connection failing;
 * - `temporal`: a call to Temporal failed;
 * - `other`: anything else.
 */
export type ErrorClass = 'invalid_data' | 'timeout' | 'serialization' | 'build_active' | 'database' | 'temporal' | 'other';

export function errorClass(err: unknown, depth = 0): ErrorClass {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; type?: unknown; message?: unknown; cause?: unknown };
  if (e.type === INVALID_DATA || e.name === 'InvalidDataError') return 'invalid_data';
  if (typeof e.code === 'string') {
    if (e.code.startsWith('22') || e.code.startsWith('23')) return 'invalid_data';
    if (e.code === '57014' || e.code === '55P03') return 'timeout';
    if (e.code === '40001' || e.code === '40P01') return 'serialization';
    return 'database'; // another SQLSTATE, or the pool's socket (ECONNREFUSED, ECONNRESET, …)
  }
  if (e.name === 'ServiceError' || typeof e.code === 'number') return 'temporal'; // gRPC status codes are numbers
  if (typeof e.message === 'string' && e.message.startsWith('Connection terminated')) return 'database';
  if (e.cause !== undefined && depth < 5) return errorClass(e.cause, depth + 1);
  return 'other';
}
