// docs/rules.md#candidate-query: the workspaces that may need action at T, a superset that the
// per-workspace transaction re-checks. One UNION branch per rule, each shaped
// to walk one of the partial indexes of 001_init.sql, so the query costs what
// the candidates cost, not what the table holds. Runs outside any transaction.
// No duration is used beyond BOUNDS.policyMaxMs ($4): a template holding a
// larger one (only a hand-edited database can) cannot make the query fail for
// every other template.
import { BOUNDS } from '../../lifecycle/index.js';
import type { Pool } from '../pool.js';

export interface FindCandidatesInput {
  /** The tick instant T (already truncated to the minute). */
  at: Date;
  /** Paging cursor: only ids greater than this one. */
  afterId?: string | null;
  limit: number;
}

const MS = `interval '1 millisecond'`;

export const FIND_CANDIDATES_SQL = `
SELECT id FROM (
  -- autostop (docs/rules.md#autostop): a running workspace past its deadline (strict) ...
  SELECT w.id FROM workspaces w
   WHERE NOT w.deleted AND w.latest_transition = 'start' AND w.latest_deadline IS NOT NULL
     AND w.latest_deadline < $1 AND w.latest_job_status <> 'failed' AND w.dormant_at IS NULL
  UNION
  -- ... or whose owner is suspended
  SELECT w.id FROM users u JOIN workspaces w ON w.owner_id = u.id
   WHERE u.status = 'suspended' AND NOT w.deleted AND w.latest_transition = 'start'
     AND w.latest_job_status <> 'failed' AND w.dormant_at IS NULL
  UNION
  -- autostart (docs/rules.md#autostart, docs/rules.md#the-next_start_at-cache): due or never computed; blocked schedules have left the index.
  -- The owner check is a per-row lookup (OFFSET 0 keeps the EXISTS a subplan): the planner
  -- takes the table-wide share of NULL next_start_at (~20 %) for this branch's row count,
  -- and as a join it hashed every active user — 45 ms at 1M workspaces instead of 0.5 ms.
  SELECT w.id FROM workspaces w
    JOIN templates t ON t.id = w.template_id
   WHERE NOT w.deleted AND w.autostart_schedule IS NOT NULL AND w.autostart_blocked IS NULL
     AND w.dormant_at IS NULL AND (w.next_start_at IS NULL OR w.next_start_at <= $1)
     -- paused indefinitely (docs/rules.md#pause-and-skip): no next autostart; the index's predicate (009) leaves it out too
     AND NOT (w.autostart_paused AND w.autostart_paused_until IS NULL)
     AND w.latest_transition = 'stop' AND w.latest_job_status <> 'failed'
     AND t.allow_user_autostart
     AND EXISTS (SELECT 1 FROM users u WHERE u.id = w.owner_id AND u.status = 'active' OFFSET 0)
  UNION
  -- dormancy (docs/rules.md#dormancy): per template, the workspaces unused for longer than its threshold.
  -- OFFSET 0 keeps the subquery a per-template range scan of (template_id, last_used_at):
  -- flattened, the planner cannot estimate the per-template bound and hashes the table.
  SELECT d.id FROM templates t CROSS JOIN LATERAL (
    SELECT w.id FROM workspaces w
     WHERE w.template_id = t.id AND NOT w.deleted AND w.dormant_at IS NULL
       AND w.last_used_at < $1 - LEAST(t.time_til_dormant_ms, $4) * ${MS}
       AND w.latest_build_id IS NOT NULL
    OFFSET 0) d
   WHERE t.time_til_dormant_ms > 0
  UNION
  -- autodelete (docs/rules.md#autodelete); a failed delete waits 24 h after it finished
  SELECT w.id FROM workspaces w JOIN templates t ON t.id = w.template_id
   WHERE NOT w.deleted AND w.dormant_at IS NOT NULL AND w.deleting_at IS NOT NULL
     AND w.deleting_at < $1 AND w.latest_build_id IS NOT NULL
     AND t.time_til_dormant_autodelete_ms > 0
     AND NOT (w.latest_transition = 'delete' AND w.latest_job_status = 'failed'
              AND w.latest_job_completed_at IS NOT NULL
              AND w.latest_job_completed_at >= $1 - interval '24 hours')
  UNION
  -- failed cleanup (docs/rules.md#failed-cleanup)
  SELECT w.id FROM workspaces w JOIN templates t ON t.id = w.template_id
   WHERE NOT w.deleted AND w.latest_job_status = 'failed' AND w.latest_transition IN ('start', 'stop')
     AND w.latest_job_completed_at IS NOT NULL AND t.failure_ttl_ms > 0
     AND w.latest_job_completed_at < $1 - LEAST(t.failure_ttl_ms, $4) * ${MS}
  UNION
  -- autostop reminder (docs/rules.md#autostop-reminder): deadlines within the longest lead time of any template
  SELECT w.id FROM workspaces w
    JOIN templates t ON t.id = w.template_id
    JOIN users u ON u.id = w.owner_id
    JOIN workspace_builds b ON b.id = w.latest_build_id
   WHERE NOT w.deleted AND w.latest_transition = 'start' AND w.latest_job_status = 'succeeded'
     AND w.dormant_at IS NULL AND u.status <> 'suspended'
     AND w.latest_deadline > $1
     AND w.latest_deadline <= $1 + (SELECT LEAST(max(autostop_notify_before_ms), $4) FROM templates) * ${MS}
     AND t.autostop_notify_before_ms > 0
     AND w.latest_deadline <= $1 + LEAST(t.autostop_notify_before_ms, $4) * ${MS}
     AND b.notified_autostop_deadline IS DISTINCT FROM b.deadline
     AND NOT ($1 - w.last_used_at < interval '15 minutes' AND t.activity_bump_ms > 0
              AND (b.max_deadline IS NULL OR b.max_deadline > $1 + LEAST(t.autostop_notify_before_ms, $4) * ${MS}))
  UNION
  -- autodelete warning (docs/rules.md#autodelete-warning): deletion dates within the longest lead time of any
  -- template, on the deleting_at index, not yet warned of
  SELECT w.id FROM workspaces w JOIN templates t ON t.id = w.template_id
   WHERE NOT w.deleted AND w.dormant_at IS NOT NULL AND w.deleting_at IS NOT NULL
     AND w.deleting_at > $1
     AND w.deleting_at <= $1 + (SELECT LEAST(max(autodelete_notify_before_ms), $4) FROM templates) * ${MS}
     AND t.autodelete_notify_before_ms > 0 AND t.time_til_dormant_autodelete_ms > 0
     AND w.deleting_at <= $1 + LEAST(t.autodelete_notify_before_ms, $4) * ${MS}
     AND w.notified_deleting_at IS DISTINCT FROM w.deleting_at
) candidates
WHERE $2::uuid IS NULL OR id > $2::uuid
ORDER BY id
LIMIT $3`;

/** The parameters of FIND_CANDIDATES_SQL, in order (also for EXPLAIN in tests and benchmarks). */
export function candidateQueryValues(input: FindCandidatesInput): [Date, string | null, number, number] {
  return [input.at, input.afterId ?? null, input.limit, BOUNDS.policyMaxMs];
}

/** Workspace ids that may need action at `at`, in id order, one page at a time. */
export async function findCandidates(pool: Pool, input: FindCandidatesInput): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(FIND_CANDIDATES_SQL, candidateQueryValues(input));
  return rows.map((r) => r.id);
}
