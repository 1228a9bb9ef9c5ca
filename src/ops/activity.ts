// Activity reports from agents, IDEs and proxies (docs/rules.md#activity-bump,
// docs/api.md#activity). A batch of up to 1,000 reports costs one read and one
// write statement; the deadline each one moves is the lifecycle core's
// activityBump, as for every other caller. Reports are not audited: they are
// the engine's input, not a person's change.

import { type ActivityRef, type ActivityRow, readForActivity, writeActivity } from '../db/sql/activity.js';
import { activityBump, MINUTE } from '../lifecycle/index.js';
import type { OpsDeps } from './context.js';
import { invalid, OpsError } from './errors.js';
import * as v from './validate.js';

export const ACTIVITY_BATCH_MAX = 1000;
/** An observation may be this far ahead of the database clock (clock skew), no further. */
const FUTURE_SKEW_MS = MINUTE;

export interface ActivityReport {
  /** `owner/name` or an id. */
  workspace: string;
  /** What saw the activity: `ssh`, `vscode`, `app:jupyter`, … (1–64 characters; recorded in logs only). */
  source: string;
  /** When the activity was seen; default the database clock. */
  observedAt?: Date;
}

/** Who a workspace belongs to, for a caller that may report for some workspaces only. */
export interface ActivityScope {
  id: string;
  ownerId: string;
  templateId: string;
}

export type ActivityResult =
  | {
      workspace: string;
      workspaceId: string;
      /** The deadline moved. */
      bumped: boolean;
      /** Nothing was written: last used less than a minute before, and no bump due. */
      coalesced: boolean;
      deadline: Date | null;
      lastUsedAt: Date;
    }
  | { workspace: string; error: { code: 'not_found' | 'invalid'; message: string } };

export class ActivityOps {
  constructor(private readonly deps: OpsDeps) {}

  /**
   * Records activity for each report, in input order. A reference that names
   * no live workspace (or one `visible` refuses) answers not_found for that
   * report only; an invalid report refuses the whole batch before anything is written.
   */
  async report(reports: readonly ActivityReport[], visible: (w: ActivityScope) => boolean = () => true): Promise<ActivityResult[]> {
    if (!Array.isArray(reports) || reports.length === 0 || reports.length > ACTIVITY_BATCH_MAX) {
      throw invalid(`invalid reports: send 1 to ${ACTIVITY_BATCH_MAX} activity reports at a time`, 'reports');
    }
    const refs: ActivityRef[] = reports.map((r, i) => parseReport(r, i));
    const { rows, now } = await readForActivity(this.deps.pool, refs);
    const byIndex = new Map<number, ActivityRow>(rows.filter((r) => visible(r)).map((r) => [r.index, r]));
    for (const [i, r] of reports.entries()) {
      if (r.observedAt !== undefined && r.observedAt.getTime() > now.getTime() + FUTURE_SKEW_MS) {
        throw invalid(
          `invalid observedAt ${r.observedAt.toISOString()} (report ${i + 1}): after the database clock ${now.toISOString()} plus one minute`,
          'observedAt',
        );
      }
    }

    // Several reports of one workspace in a batch count as one, at the latest observation.
    const latest = new Map<string, { row: ActivityRow; at: Date }>();
    for (const [i, r] of reports.entries()) {
      const row = byIndex.get(i);
      if (row === undefined) continue;
      const at = r.observedAt === undefined || r.observedAt > now ? now : r.observedAt;
      const seen = latest.get(row.id);
      if (seen === undefined || at > seen.at) latest.set(row.id, { row, at });
    }
    const planned = new Map(
      [...latest.values()].map(({ row, at }) => {
        const deadline = activityBump({
          now: at,
          build: { deadline: row.deadline, maxDeadline: row.maxDeadline, transition: row.transition, jobCompleted: row.jobCompleted },
          template: row.template,
          workspace: { ttlMs: row.ttlMs, autostartSchedule: row.autostartSchedule },
        });
        return [row.id, { row, at, deadline }];
      }),
    );
    const written = new Map(
      (
        await writeActivity(
          this.deps.pool,
          [...planned.values()].map(({ row, at, deadline }) => ({
            workspaceId: row.id,
            lastUsedAt: at,
            buildId: row.buildId,
            readDeadline: row.deadline,
            deadline,
          })),
        )
      ).map((w) => [w.workspaceId, w]),
    );

    return reports.map((r, i): ActivityResult => {
      const row = byIndex.get(i);
      if (row === undefined) return { workspace: r.workspace, error: { code: 'not_found', message: `no workspace ${r.workspace}` } };
      const plan = planned.get(row.id)!;
      const w = written.get(row.id);
      const bumped = w?.bumped === true;
      return {
        workspace: r.workspace,
        workspaceId: row.id,
        bumped,
        coalesced: w === undefined,
        deadline: bumped ? plan.deadline : row.deadline,
        lastUsedAt: w?.lastUsedAt ?? row.lastUsedAt,
      };
    });
  }

  /** One report; a workspace that is not there is an OpsError('not_found'). */
  async reportOne(report: ActivityReport, visible?: (w: ActivityScope) => boolean) {
    const [result] = await this.report([report], visible);
    if ('error' in result!) throw new OpsError(result.error.code, result.error.message);
    return result!;
  }
}

function parseReport(r: ActivityReport, i: number): ActivityRef {
  const at = ` (report ${i + 1})`;
  if (r === null || typeof r !== 'object') throw invalid(`invalid report${at}: expected {workspace, source, observedAt?}`, 'reports');
  if (typeof r.source !== 'string' || r.source.length < 1 || r.source.length > 64 || /\p{Cc}/u.test(r.source)) {
    throw invalid(`invalid source${at}: use 1 to 64 printable characters, such as ssh or vscode`, 'source');
  }
  if (r.observedAt !== undefined && !v.isInstant(r.observedAt)) {
    throw invalid(`invalid observedAt${at}: expected an instant`, 'observedAt');
  }
  const ref = r.workspace;
  if (typeof ref !== 'string' || ref === '' || ref.length > 200)
    throw invalid(`invalid workspace${at}: use owner/name or an id`, 'workspace');
  const slash = ref.indexOf('/');
  if (slash < 0) return { id: ref };
  return { owner: ref.slice(0, slash), name: v.name('workspace name', ref.slice(slash + 1)) };
}
