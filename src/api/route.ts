// Small helpers that keep each route's declaration to what is particular to it:
// its JSON body, its answer, and the error answers it can give.

import { createRoute, type RouteConfig, type z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ApiError, ErrorSchema } from './errors.js';

/**
 * The schemas check a body only when it is sent as JSON: a route that takes
 * one refuses a request without it (400) or with another media type (415)
 * before anything else.
 */
const requireJsonBody: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type');
  if (type === undefined || type === '') {
    if ((await c.req.raw.clone().arrayBuffer()).byteLength === 0) throw new ApiError('invalid', 'a JSON request body is required');
    throw new ApiError('unsupported_media_type', 'send the body as application/json');
  }
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError('unsupported_media_type', 'send the body as application/json');
  await next();
};

const ERROR_DESCRIPTIONS = {
  400: 'Invalid input: malformed JSON, a wrong type, an unknown field, or a value the rules refuse to read (a bad schedule or duration).',
  401: 'No token, or an invalid, expired or revoked one.',
  403: 'The caller may see this but not do it (its role is too low, or it is a reporter token).',
  404: 'No such resource, or one the caller may not see.',
  409: 'The current state forbids it (a build is already active, already stopped, a name is taken).',
  413: 'The body is larger than 1 MiB.',
  415: 'The body is not application/json.',
  422: 'Well formed, but refused by the lifecycle policy (the template forbids it, past the max deadline).',
  431: 'The URL or the headers are larger than 16 KiB (refused by the HTTP server before any route; no body).',
  503: 'The database or Temporal did not answer; try again.',
} as const;
export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

const errorResponse = (status: ErrorStatus) =>
  status === 431
    ? { description: ERROR_DESCRIPTIONS[status] }
    : { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: ErrorSchema } } };

/** Every authenticated route can answer these. */
const ALWAYS: ErrorStatus[] = [400, 401, 403, 431, 503];
/** And every route with a body these. */
const WITH_BODY: ErrorStatus[] = [413, 415];

export const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/**
 * An authenticated route under /api/v1, tagged, with the bearer scheme and the
 * error answers it can give (`errors`, besides those every route can).
 */
export function apiRoute<const R extends Omit<RouteConfig, 'security'>>(config: R & { tag: string; errors?: ErrorStatus[] }) {
  const { tag, errors = [], ...rest } = config;
  const statuses = new Set<ErrorStatus>([...ALWAYS, ...(rest.request?.body ? WITH_BODY : []), ...errors]);
  return createRoute({
    ...rest,
    ...(rest.request?.body ? { middleware: [requireJsonBody] } : {}),
    path: `/api/v1${rest.path}`,
    tags: [tag],
    security: [{ bearer: [] }],
    responses: {
      ...rest.responses,
      ...Object.fromEntries([...statuses].sort().map((s) => [s, errorResponse(s)])),
    },
  } as unknown as R & { security: { bearer: never[] }[] });
}
