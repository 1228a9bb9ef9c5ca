-- Retention (docs/operations.md#retention): the worker removes delivered
-- notifications, the logs of finished jobs, deleted workspaces and audit rows
-- once they are older than their settings, a small batch per statement.
-- Additive: one nullable column that older code never reads, and the indexes
-- that let each batch find its rows without reading a whole table.

-- When the worker emptied the job's log; NULL = the log is as the provisioner left it.
ALTER TABLE provisioner_jobs ADD COLUMN log_removed_at timestamptz;

-- Finished jobs whose log is still there, oldest first (id breaks ties for
-- the worker's walk through them). The predicate names log_removed_at, not
-- log: appending to a running job's log (every heartbeat) must stay an update
-- that touches no index.
CREATE INDEX provisioner_jobs_log_kept_idx ON provisioner_jobs (completed_at, id)
  WHERE completed_at IS NOT NULL AND log_removed_at IS NULL;

CREATE INDEX notifications_delivered_idx ON notifications (delivered_at) WHERE delivered_at IS NOT NULL;

-- Deleted workspaces by when they were deleted (their delete build's completion).
CREATE INDEX workspaces_deleted_idx ON workspaces (latest_job_completed_at) WHERE deleted;

-- What a deleted workspace's removal looks up by the workspace.
CREATE INDEX notifications_workspace_idx ON notifications (workspace_id);
CREATE INDEX evaluations_workspace_idx ON evaluations (workspace_id);
CREATE INDEX api_tokens_scope_workspace_idx ON api_tokens (scope_workspace_id) WHERE scope_workspace_id IS NOT NULL;
