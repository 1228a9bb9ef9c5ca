// Every error the API answers has one shape, {error: {code, message, field?}}
// (docs/api.md#errors): the operations module's refusals mapped to a status,
// the request schemas' findings, and the framework's own refusals. Nothing
// else is ever sent: no stack trace, no driver message.

import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { redactActionLinks } from '../notifications/action-links.js';
import { OpsError, oneLine } from '../ops/index.js';
import type { Logger } from '../runtime/logger.js';
import { isUnreachable } from '../runtime/unreachable.js';

export const ERROR_STATUS = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_media_type: 415,
  refused: 422,
  internal: 500,
  unavailable: 503,
} as const;
export type ApiErrorCode = keyof typeof ERROR_STATUS;

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ApiErrorCode, ...ApiErrorCode[]]),
      message: z.string(),
      field: z.string().optional().openapi({ description: 'The request field the error is about (a JSON body field or a parameter).' }),
    }),
  })
  .openapi('Error');

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const forbidden = (message: string) => new ApiError('forbidden', message);
export const apiNotFound = (message: string) => new ApiError('not_found', message);

/** The body of an error answer; its message is one line, whatever path or input it quotes. */
export function errorBody(code: ApiErrorCode, message: string, field?: string) {
  return { error: { code, message: oneLine(message), ...(field === undefined ? {} : { field }) } };
}

export function sendError(c: Context, code: ApiErrorCode, message: string, field?: string) {
  return c.json(errorBody(code, message, field), ERROR_STATUS[code]);
}

/**
 * The operations module names an input as a person reads it ("autostart
 * schedule"); the API names it as the request spells it. A route passes its own
 * names for the fields it takes; these are the names every route shares.
 */
const FIELD_NAMES: Record<string, string> = {
  limit: 'limit',
  cursor: 'cursor',
  'autostart schedule': 'autostartSchedule',
  TTL: 'ttlMs',
  'workspace name': 'name',
  'automatic updates': 'automaticUpdates',
  username: 'username',
  status: 'status',
  'quiet hours schedule': 'schedule',
  'template name': 'name',
  'version name': 'name',
  'default TTL': 'defaultTtlMs',
  'activity bump': 'activityBumpMs',
  'allow user autostart': 'allowUserAutostart',
  'allow user autostop': 'allowUserAutostop',
  'autostart allowed days': 'autostartAllowedDays',
  'failure TTL': 'failureTtlMs',
  'time til dormant': 'timeTilDormantMs',
  'time til dormant autodelete': 'timeTilDormantAutodeleteMs',
  'autostop requirement days': 'autostopRequirementDays',
  'autostop requirement weeks': 'autostopRequirementWeeks',
  'autostop notify before': 'autostopNotifyBeforeMs',
  'require active version': 'requireActiveVersion',
  'catch-up': 'catchup',
  'catch-up window': 'catchupWindowMs',
  'autodelete notify before': 'autodeleteNotifyBeforeMs',
};

/** The request's path as a log line may show it: an action link's token is a capability (docs/rules.md#reminder-actions). */
const loggedPath = (c: Context) => redactActionLinks(c.req.path);

/** Maps an error thrown by a handler to the answer; unexpected errors are logged and answer 500 or 503. */
export function handleError(err: unknown, c: Context, log: Logger) {
  const fields: Record<string, string> = c.get('fields') ?? {};
  if (err instanceof ApiError) return sendError(c, err.code, err.message, err.field);
  if (err instanceof OpsError) {
    const field = err.field === undefined ? undefined : (fields[err.field] ?? FIELD_NAMES[err.field] ?? err.field);
    // A waitForBuild timeout is not an API path; should one surface, it is the service's failure.
    const code: ApiErrorCode = err.code === 'timeout' ? 'unavailable' : err.code;
    return sendError(c, code, err.message, field);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) return sendError(c, 'too_large', 'request body too large: at most 1 MiB');
    if (status === 415) return sendError(c, 'unsupported_media_type', 'send the body as application/json');
    if (status === 401) return sendError(c, 'unauthenticated', err.message);
    if (status === 400) return sendError(c, 'invalid', /json/i.test(err.message) ? 'malformed JSON in the request body' : err.message);
  }
  // Text PostgreSQL cannot store (a NUL character in a JSON string): the request's fault, not the service's.
  const sqlstate = (err as { code?: unknown }).code;
  if (sqlstate === '22021') return sendError(c, 'invalid', 'text must not contain a NUL character');
  // The pool's limits (docs/operations.md#database-timeouts): nothing was changed, and a retry may succeed.
  if (sqlstate === '55P03') return sendError(c, 'conflict', 'another change holds what this request needs; try again');
  if (sqlstate === '57014') {
    log.warn('a statement ran past AUTOBUILD_DB_STATEMENT_TIMEOUT', { method: c.req.method, path: loggedPath(c) });
    return sendError(c, 'unavailable', 'the database did not answer in time; try again');
  }
  if (isUnreachable(err)) {
    log.warn('a dependency did not answer', { err, path: loggedPath(c) });
    return sendError(c, 'unavailable', 'the database or Temporal did not answer; try again');
  }
  log.error('request failed', { err, method: c.req.method, path: loggedPath(c) });
  return sendError(c, 'internal', 'internal error; the service log has the details');
}
