// Activity reports (docs/api.md#activity): one workspace, or up to 1,000 in
// one call from a proxy. Reporter tokens exist for these two routes only.

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ActivityResult } from '../../ops/index.js';
import { type ApiEnv, canReport } from '../auth.js';
import { apiRoute, json, jsonBody } from '../route.js';
import { ActivityBatchInput, ActivityBatchResultSchema, ActivityInput, ActivityResultSchema, WorkspaceParam } from '../schemas.js';

const tag = 'Activity';

const resultJson = (r: Extract<ActivityResult, { bumped: boolean }>) => ({
  workspaceId: r.workspaceId,
  bumped: r.bumped,
  coalesced: r.coalesced,
  deadline: r.deadline === null ? null : r.deadline.toISOString(),
  lastUsedAt: r.lastUsedAt.toISOString(),
});

export function activityRoutes(app: OpenAPIHono<ApiEnv>) {
  app.openapi(
    apiRoute({
      method: 'post',
      path: '/workspaces/{workspace}/activity',
      tag,
      summary: 'Report activity on a workspace',
      description:
        'Refreshes its last-used time and, on a running workspace, bumps the deadline by the template’s activity bump. A report less than a minute after the last one writes nothing and answers `coalesced: true` with the current deadline.',
      errors: [404],
      request: { params: WorkspaceParam, body: jsonBody(ActivityInput) },
      responses: { 200: json(ActivityResultSchema, 'What the report did.') },
    }),
    async (c) => {
      const { workspace } = c.req.valid('param');
      const b = c.req.valid('json');
      const p = c.get('principal');
      const r = await c
        .get('ops')
        .activity.reportOne(
          { workspace, source: b.source, observedAt: b.observedAt === undefined ? undefined : new Date(b.observedAt) },
          (w) => canReport(p, w),
        );
      return c.json(resultJson(r), 200);
    },
  );

  app.openapi(
    apiRoute({
      method: 'post',
      path: '/activity',
      tag,
      summary: 'Report activity on many workspaces',
      description:
        'Up to 1,000 reports in one call (one read and one write statement). Each result is in the order of the reports; a workspace that is not there, or not the caller’s to report, answers `not_found` in its own result.',
      request: { body: jsonBody(ActivityBatchInput) },
      responses: { 200: json(ActivityBatchResultSchema, 'One result per report.') },
    }),
    async (c) => {
      const { reports } = c.req.valid('json');
      const p = c.get('principal');
      const results = await c.get('ops').activity.report(
        reports.map((r) => ({
          workspace: r.workspace,
          source: r.source,
          observedAt: r.observedAt === undefined ? undefined : new Date(r.observedAt),
        })),
        (w) => canReport(p, w),
      );
      return c.json({ results: results.map((r) => ('error' in r ? r : { workspace: r.workspace, ...resultJson(r) })) }, 200);
    },
  );
}
