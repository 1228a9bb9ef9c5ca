// Whether an error means "a dependency is not there" (the database, Temporal)
// rather than "the request is wrong": the CLI exits 2 and the API answers 503.

/** Socket-level failures of pg and of gRPC: the other side is not there. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EAI_AGAIN',
  'EPIPE',
]);
/** PostgreSQL SQLSTATEs that mean "the server cannot serve you now", not "your request is wrong". */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
/** gRPC status codes: UNAVAILABLE and DEADLINE_EXCEEDED. */
const GRPC_UNAVAILABLE = new Set([14, 4]);

/** True when `err` (or its cause chain) says a dependency is unreachable. */
export function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_UNAVAILABLE.has(code))) return true;
    if (typeof code === 'number' && GRPC_UNAVAILABLE.has(code) && 'metadata' in e) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /Connection terminated|connection timeout|Failed to connect before the deadline/i.test(message))
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
