// The API's request and response shapes. Requests are checked for shape only
// (types, required fields, no unknown fields); what a value means — a
// schedule's grammar, a duration's bounds, a policy's limits — is the
// operations module's to check, with the same messages as the CLI. Responses
// are the shapes of src/ops/json.ts, as the CLI's `--json`; the handlers' types are
// checked against these schemas at compile time.

import { z } from '@hono/zod-openapi';
import { WORKSPACE_STATUSES } from '../ops/index.js';

const instant = z.string().datetime({ offset: true }).openapi({ example: '2026-12-07T17:30:00.000Z' });
const nullableInstant = instant.nullable();
const id = z.string().openapi({ example: '0f8e7c1a-6a57-4ab1-9c1e-8f1f4c1f2b3d' });
const weekday = z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']);
const transition = z.enum(['start', 'stop', 'delete']);
const jobStatus = z.enum(['pending', 'running', 'succeeded', 'failed', 'canceling', 'canceled']);
const workspaceStatus = z.enum(WORKSPACE_STATUSES);
const role = z.enum(['member', 'template-admin', 'owner', 'reporter']);

export const page = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().openapi({ description: 'Pass back as `cursor` for the next page; null on the last page.' }),
    })
    .openapi(name);

export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .openapi({ param: { name: 'limit', in: 'query' }, description: 'Items per page, 1–500 (default 500).' }),
  cursor: z
    .string()
    .max(2000)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'The `nextCursor` of the previous page.' }),
});

export const WorkspaceParam = z.object({
  workspace: z
    .string()
    .min(1)
    .max(200)
    .openapi({
      param: { name: 'workspace', in: 'path' },
      description: 'The workspace id, or `owner/name` with the slash percent-encoded (`alice%2Fdev`).',
      example: 'alice%2Fdev',
    }),
});

export const JobSchema = z.object({
  id,
  status: jobStatus,
  error: z.string().nullable(),
  createdAt: nullableInstant,
  startedAt: nullableInstant,
  completedAt: nullableInstant,
  canceledAt: nullableInstant,
});

export const BuildSchema = z
  .object({
    id,
    buildNumber: z.number().int(),
    transition,
    reason: z.string(),
    initiator: z.string().nullable(),
    templateVersion: z.string(),
    createdAt: nullableInstant,
    deadline: nullableInstant,
    maxDeadline: nullableInstant,
    notifiedAutostopDeadline: nullableInstant,
    workflowId: z.string().nullable(),
    job: JobSchema,
  })
  .openapi('Build');

/** docs/rules.md#pause-and-skip */
export const AutostartPauseSchema = z
  .object({
    until: nullableInstant.openapi({ description: 'When autostart may fire again; null = paused indefinitely.' }),
    note: z.string().nullable(),
    by: z.string().nullable().openapi({ description: 'Who paused it.' }),
  })
  .nullable()
  .openapi('AutostartPause', { description: 'Autostart paused (autostop never is), or null.' });

export const WorkspaceSchema = z
  .object({
    id,
    owner: z.string(),
    name: z.string(),
    template: z.string(),
    status: workspaceStatus,
    autostartSchedule: z.string().nullable(),
    ttlMs: z.number().int().nullable(),
    automaticUpdates: z.enum(['always', 'never']),
    lastUsedAt: nullableInstant,
    dormantAt: nullableInstant,
    deletingAt: nullableInstant,
    nextStartAt: nullableInstant,
    autostartBlocked: z.string().nullable(),
    autostartPause: AutostartPauseSchema,
    autostartSkipAt: nullableInstant.openapi({
      description: 'The one autostart occurrence skipped (docs/rules.md#pause-and-skip), or null.',
    }),
    deleted: z.boolean(),
    deadline: nullableInstant.openapi({ description: 'When the running workspace stops; null when it is not running or has no deadline.' }),
    maxDeadline: nullableInstant.openapi({ description: 'The latest the deadline can be moved to (the template’s autostop requirement).' }),
    latestBuild: BuildSchema,
  })
  .openapi('Workspace');

export const WorkspaceSummarySchema = z
  .object({
    id,
    owner: z.string(),
    name: z.string(),
    template: z.string(),
    status: workspaceStatus,
    transition: transition.nullable(),
    jobStatus: jobStatus.nullable(),
    autostartSchedule: z.string().nullable(),
    deadline: nullableInstant,
    nextStartAt: nullableInstant,
    dormantAt: nullableInstant,
    deletingAt: nullableInstant,
    deleted: z.boolean(),
    createdAt: nullableInstant,
  })
  .openapi('WorkspaceSummary');

export const BuildStartedSchema = z
  .object({
    workspaceId: id,
    workspace: z.string().openapi({ description: '`owner/name`' }),
    buildId: id,
    buildNumber: z.number().int(),
    jobId: id,
    transition,
  })
  .openapi('BuildStarted');

export const ExplanationSchema = z
  .object({
    workspace: z.string(),
    at: instant,
    decision: z.object({
      transition: transition.nullable(),
      reason: z.string().nullable(),
      markDormant: z.boolean(),
      remind: z.boolean(),
      catchupSkipped: z.literal(true).optional().openapi({
        description: 'A due autostart the catch-up policy skips (docs/rules.md#catch-up-after-downtime); present only when true.',
      }),
      warnDelete: z.literal(true).optional().openapi({ description: 'Send the warning before autodelete; present only when true.' }),
      explanation: z.string(),
    }),
    nextAutostart: z.object({ at: instant, rule: z.string() }).nullable(),
    deadline: nullableInstant,
    maxDeadline: nullableInstant,
    reminderAt: nullableInstant,
    dormantAt: nullableInstant,
    deletingAt: nullableInstant,
    deleteWarningAt: instant
      .optional()
      .openapi({ description: 'When the warning before autodelete is due; present only when the template turns it on.' }),
    rules: z.object({
      deadline: z.string().nullable(),
      maxDeadline: z.string().nullable(),
      reminderAt: z.string().nullable(),
      dormantAt: z.string().nullable(),
      deletingAt: z.string().nullable(),
      deleteWarningAt: z.string().optional(),
    }),
  })
  .openapi('Explanation');

/** docs/rules.md#catch-up-after-downtime: which autostarts that fell due while the engine was down still start. */
const catchupPolicy = z.enum(['all', 'latest', 'none']).openapi({
  description: 'Autostarts that fell due while the engine was down: all start (the default), latest only within catchupWindowMs, none.',
});

export const TemplateSchema = z
  .object({
    id,
    name: z.string(),
    activeVersion: z.string(),
    activeVersionId: id,
    defaultTtlMs: z.number().int(),
    activityBumpMs: z.number().int(),
    allowUserAutostart: z.boolean(),
    allowUserAutostop: z.boolean(),
    autostartAllowedDays: z.array(weekday),
    failureTtlMs: z.number().int(),
    timeTilDormantMs: z.number().int(),
    timeTilDormantAutodeleteMs: z.number().int(),
    autostopNotifyBeforeMs: z.number().int(),
    autostopRequirementDays: z.array(weekday),
    autostopRequirementWeeks: z.number().int(),
    requireActiveVersion: z.boolean(),
    catchup: catchupPolicy,
    catchupWindowMs: z.number().int().openapi({ description: 'The window of catch-up `latest`.' }),
    autodeleteNotifyBeforeMs: z.number().int().openapi({ description: 'Warn the owner this long before autodelete; 0 = off.' }),
    createdAt: nullableInstant,
    updatedAt: nullableInstant,
  })
  .openapi('Template');

/** Every lifecycle option of a template; durations in milliseconds, days as lowercase names. */
export const TemplatePolicyInput = z
  .object({
    defaultTtlMs: z.number().int(),
    activityBumpMs: z.number().int(),
    allowUserAutostart: z.boolean(),
    allowUserAutostop: z.boolean(),
    autostartAllowedDays: z.array(z.string().max(16)).max(7),
    failureTtlMs: z.number().int(),
    timeTilDormantMs: z.number().int(),
    timeTilDormantAutodeleteMs: z.number().int(),
    autostopRequirementDays: z.array(z.string().max(16)).max(7),
    autostopRequirementWeeks: z.number().int(),
    autostopNotifyBeforeMs: z.number().int(),
    requireActiveVersion: z.boolean(),
    catchup: catchupPolicy,
    catchupWindowMs: z.number().int(),
    autodeleteNotifyBeforeMs: z.number().int(),
  })
  .partial()
  .strict();

export const VersionSchema = z
  .object({ id, templateId: id, name: z.string(), active: z.boolean(), createdAt: nullableInstant })
  .openapi('TemplateVersion');

export const UserSchema = z
  .object({
    id,
    username: z.string(),
    status: z.enum(['active', 'suspended', 'dormant']),
    quietHoursSchedule: z.string().nullable().openapi({ description: 'The user’s own quiet hours; null = the deployment default.' }),
    effectiveQuietHoursSchedule: z.string().openapi({ description: 'The quiet hours that apply: the user’s, or the deployment default.' }),
    createdAt: nullableInstant,
  })
  .openapi('User');

export const ActivityInput = z
  .object({
    source: z.string().min(1).max(64).openapi({ description: 'What saw the activity (ssh, vscode, app:jupyter, …).', example: 'vscode' }),
    observedAt: instant.optional().openapi({ description: 'When the activity was seen; default now.' }),
  })
  .strict();

export const ActivityResultSchema = z
  .object({
    workspaceId: id,
    bumped: z.boolean().openapi({ description: 'The deadline moved.' }),
    coalesced: z.boolean().openapi({ description: 'Nothing was written: the workspace was used less than a minute before.' }),
    deadline: nullableInstant,
    lastUsedAt: instant,
  })
  .openapi('ActivityResult');

export const ActivityBatchInput = z
  .object({
    reports: z
      .array(
        z
          .object({
            workspace: z.string().min(1).max(200).openapi({ description: 'The workspace id or `owner/name`.' }),
            source: z.string().min(1).max(64),
            observedAt: instant.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const ActivityBatchResultSchema = z
  .object({
    results: z.array(
      z.union([
        ActivityResultSchema.extend({ workspace: z.string() }),
        z.object({
          workspace: z.string(),
          error: z.object({ code: z.enum(['not_found', 'invalid']), message: z.string() }),
        }),
      ]),
    ),
  })
  .openapi('ActivityBatchResult');

export const TokenSchema = z
  .object({
    id: z.string(),
    user: z.string(),
    userId: id,
    role,
    name: z.string().nullable(),
    scope: z.object({
      workspaceId: id.nullable(),
      workspace: z.string().nullable().openapi({ description: '`owner/name`' }),
      templateIds: z.array(id),
      templates: z.array(z.string()),
    }),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: nullableInstant,
    expiresAt: nullableInstant.openapi({ description: 'null: never expires.' }),
    lastUsedAt: nullableInstant.openapi({ description: 'Written at most once an hour.' }),
    revokedAt: nullableInstant,
  })
  .openapi('Token');

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: nullableInstant,
    actor: z.string().openapi({ description: 'A username, or `cli:<operating-system user>` for the command line.' }),
    actorUserId: id.nullable(),
    tokenId: z.string().nullable(),
    action: z.string().openapi({ example: 'workspace.ttl' }),
    subject: z.string().nullable().openapi({ example: 'alice/dev' }),
    workspaceId: id.nullable(),
    templateId: id.nullable(),
    userId: id.nullable(),
    before: z.unknown().openapi({ description: 'The values before the change (null for a creation).' }),
    after: z.unknown().openapi({ description: 'The values after the change (null for a revocation).' }),
  })
  .openapi('AuditEntry');

export { role as RoleSchema, transition as TransitionSchema, weekday as WeekdaySchema };
