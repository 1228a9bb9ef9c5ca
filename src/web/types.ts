// The API's answers as the dashboard reads them: the API's own schemas.
import type { z } from '@hono/zod-openapi';
import type {
  AuditEntrySchema,
  BuildSchema,
  ExplanationSchema,
  TemplateSchema,
  WorkspaceSchema,
  WorkspaceSummarySchema,
} from '../api/schemas.js';

export type WorkspaceJson = z.infer<typeof WorkspaceSchema>;
export type WorkspaceSummaryJson = z.infer<typeof WorkspaceSummarySchema>;
export type ExplanationJson = z.infer<typeof ExplanationSchema>;
export type BuildJson = z.infer<typeof BuildSchema>;
export type TemplateJson = z.infer<typeof TemplateSchema>;
export type AuditEntryJson = z.infer<typeof AuditEntrySchema>;
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SchedulePreviewJson {
  schedule: string;
  summary: string;
  timezone: string;
  from: string;
  allowedDays: string[] | null;
  occurrences: { at: string; weekday: string; allowed: boolean }[];
}

/** POST /templates/{t}/dry-run's answer, as the page shows it. */
export interface DryRunJson {
  days: number;
  assumption: string;
  workspaces: number;
  changed: number;
  changes: { workspace: string; changes: { kind: string; before: string | null; after: string | null; rule: string }[] }[];
}

/** What a refused or previewed form shows when its page is drawn again. */
export interface FormState {
  /** Which form of which workspace (or template) it concerns: `extend:<id>`. */
  form: string;
  /** The API's refusal, or a value the dashboard could not read. */
  error?: { message: string; field?: string };
  /** What the person typed, shown again. */
  values: Record<string, string>;
  schedulePreview?: SchedulePreviewJson;
  dryRun?: DryRunJson;
}
