-- Provisioning and the notification outbox (issue 5). The job log, its error
-- and the build's workflow id are in 001; this adds what delivery and the
-- simulated provisioner need.

-- Outbox delivery: when a notification may next be tried. A deliverer claims a
-- batch by pushing this forward (a lease), so two deliverers never send the
-- same notification at the same moment; a failed send pushes it forward by the
-- backoff. NULL = due now.
ALTER TABLE notifications ADD COLUMN next_attempt_at timestamptz;
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at NULLS FIRST, created_at)
  WHERE delivered_at IS NULL;

-- The simulated provisioner's per-workspace failure switch (demos and tests):
-- builds of these transitions fail with this message until the row is removed.
CREATE TABLE simulated_failures (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces (id),
  transitions  text[] NOT NULL DEFAULT ARRAY['start', 'stop', 'delete']
               CHECK (cardinality(transitions) > 0 AND transitions <@ ARRAY['start', 'stop', 'delete']),
  message      text NOT NULL DEFAULT 'simulated provisioner failure',
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- The recovery sweep looks at jobs that have not completed (pending, running,
-- canceling); completed jobs, the vast majority, stay out of this index.
CREATE INDEX provisioner_jobs_active_idx ON provisioner_jobs (created_at) WHERE completed_at IS NULL;

-- The job log is appended while the provisioner runs (every heartbeat). The
-- latest-build summary on workspaces depends only on the job's times and
-- error, so the trigger from 001 now fires only when those change: a log
-- append no longer rewrites (and locks) the workspace row, which also keeps
-- the lock order "workspace row, then job row" of every build transaction.
DROP TRIGGER provisioner_jobs_track_latest ON provisioner_jobs;
CREATE TRIGGER provisioner_jobs_track_latest
  AFTER UPDATE OF started_at, completed_at, canceled_at, error ON provisioner_jobs
  FOR EACH ROW EXECUTE FUNCTION provisioner_jobs_track_latest();
