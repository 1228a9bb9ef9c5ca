-- The latest-build summary trigger writes a workspace row only when the
-- summary changes. An activity bump (docs/api.md#activity) sets the
-- workspace's latest_deadline in the same statement that moves the build's
-- deadline; the trigger then found nothing to change but wrote the row
-- again: two row versions, two index updates and twice the WAL for every
-- bump, on the path that runs for every workspace in use every few minutes.

CREATE OR REPLACE FUNCTION workspace_builds_track_latest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workspaces w SET
    latest_build_id = NEW.id,
    latest_build_number = NEW.build_number,
    latest_transition = NEW.transition,
    latest_deadline = NEW.deadline,
    latest_job_id = NEW.job_id,
    latest_job_status = job_status(j.started_at, j.completed_at, j.canceled_at, j.error),
    latest_job_completed_at = j.completed_at
  FROM provisioner_jobs j
  WHERE w.id = NEW.workspace_id AND j.id = NEW.job_id
    AND (w.latest_build_number IS NULL OR w.latest_build_number <= NEW.build_number)
    AND (w.latest_build_id, w.latest_build_number, w.latest_transition, w.latest_deadline, w.latest_job_id,
         w.latest_job_status, w.latest_job_completed_at)
        IS DISTINCT FROM
        (NEW.id, NEW.build_number, NEW.transition, NEW.deadline, NEW.job_id,
         job_status(j.started_at, j.completed_at, j.canceled_at, j.error), j.completed_at);
  RETURN NULL;
END $$;
