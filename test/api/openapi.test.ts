// The OpenAPI document (GET /openapi.json) is a valid OpenAPI 3.1 document,
// and it declares what docs/api.md promises of every route.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from './harness.js';

describe('the OpenAPI document', () => {
  let h: ApiHarness;
  // biome-ignore lint/suspicious/noExplicitAny: the document is read field by field
  let doc: any;
  beforeAll(async () => {
    h = await startApiHarness();
    doc = (await h.call(null, 'GET', '/openapi.json')).body;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  const operations = () =>
    Object.entries(
      doc.paths as Record<string, Record<string, { security?: unknown; requestBody?: { required?: boolean }; responses: object }>>,
    ).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

  it('every route under /api/v1 needs the bearer token; health, readiness and the document do not', () => {
    for (const { path, method, op } of operations()) {
      if (path.startsWith('/api/v1/')) expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
      else expect(op.security, `${method} ${path}`).toBeUndefined();
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('every route with a body requires it, and declares 413 and 415; every authenticated route declares 400, 401 and 403', () => {
    for (const { path, method, op } of operations()) {
      const statuses = Object.keys(op.responses);
      if (op.requestBody) {
        expect(op.requestBody.required, `${method} ${path}`).toBe(true);
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['413', '415']));
      }
      if (path.startsWith('/api/v1/')) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '403']));
    }
  });

  it('a nullable object is anyOf the object and null (allOf with null could never be satisfied)', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/"allOf":\[\{"\$ref":"[^"]+"\},\{"type":\["object","null"\]\}\]/);
  });

  it('covers the routes docs/api.md lists', () => {
    const routes = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /api/v1/workspaces',
        'POST /api/v1/workspaces',
        'GET /api/v1/workspaces/{workspace}',
        'POST /api/v1/workspaces/{workspace}/builds',
        'GET /api/v1/workspaces/{workspace}/builds',
        'GET /api/v1/workspaces/{workspace}/builds/{number}/log',
        'POST /api/v1/workspaces/{workspace}/cancel',
        'PUT /api/v1/workspaces/{workspace}/autostart',
        'PUT /api/v1/workspaces/{workspace}/ttl',
        'PUT /api/v1/workspaces/{workspace}/extend',
        'PUT /api/v1/workspaces/{workspace}/dormant',
        'GET /api/v1/workspaces/{workspace}/explain',
        'POST /api/v1/workspaces/{workspace}/reevaluate',
        'POST /api/v1/workspaces/{workspace}/keep-running',
        'POST /api/v1/workspaces/{workspace}/skip-stop',
        'GET /actions/{token}',
        'POST /actions/{token}',
        'POST /api/v1/workspaces/{workspace}/activity',
        'POST /api/v1/activity',
        'POST /api/v1/schedules/preview',
        'GET /api/v1/templates',
        'PATCH /api/v1/templates/{template}',
        'GET /api/v1/users/{user}',
        'PUT /api/v1/users/{user}/quiet-hours',
        'PUT /api/v1/users/{user}/status',
        'POST /api/v1/tokens',
        'DELETE /api/v1/tokens/{id}',
        'GET /api/v1/audit',
        'GET /healthz',
        'GET /readyz',
      ]),
    );
  });
});
