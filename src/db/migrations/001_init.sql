-- Entities of docs/rules.md#entities. Durations are stored in milliseconds (bigint, *_ms);
-- instants are timestamptz; NULL always means "unset".

CREATE TABLE users (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username             text NOT NULL UNIQUE
                       CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  status               text NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'suspended', 'dormant')),
  quiet_hours_schedule text,           -- daily schedule (docs/rules.md#daily-schedule); NULL = deployment default
  created_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE templates (
  id                             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                           text NOT NULL UNIQUE
                                 CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  active_version_id              uuid,  -- FK added below (template_versions references templates)
  default_ttl_ms                 bigint  NOT NULL DEFAULT 0 CHECK (default_ttl_ms >= 0),
  activity_bump_ms               bigint  NOT NULL DEFAULT 3600000 CHECK (activity_bump_ms >= 0),
  allow_user_autostart           boolean NOT NULL DEFAULT true,
  allow_user_autostop            boolean NOT NULL DEFAULT true,
  autostart_allowed_days         text[]  NOT NULL
                                 DEFAULT ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday']
                                 CHECK (autostart_allowed_days <@ ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday']),
  failure_ttl_ms                 bigint  NOT NULL DEFAULT 0 CHECK (failure_ttl_ms >= 0),
  time_til_dormant_ms            bigint  NOT NULL DEFAULT 0 CHECK (time_til_dormant_ms >= 0),
  time_til_dormant_autodelete_ms bigint  NOT NULL DEFAULT 0 CHECK (time_til_dormant_autodelete_ms >= 0),
  autostop_requirement_days      text[]  NOT NULL DEFAULT '{}'
                                 CHECK (autostop_requirement_days <@ ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday']),
  autostop_requirement_weeks     integer NOT NULL DEFAULT 1 CHECK (autostop_requirement_weeks BETWEEN 1 AND 16),
  autostop_notify_before_ms      bigint  NOT NULL DEFAULT 0 CHECK (autostop_notify_before_ms >= 0),
  require_active_version         boolean NOT NULL DEFAULT false,
  created_at                     timestamptz NOT NULL DEFAULT now(),
  updated_at                     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE template_versions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  template_id uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (name <> ''),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (template_id, name),
  UNIQUE (template_id, id)   -- lets templates reference "a version of this template"
);

ALTER TABLE templates
  ADD CONSTRAINT templates_active_version_fk
  FOREIGN KEY (id, active_version_id) REFERENCES template_versions (template_id, id)
  DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE provisioner_jobs (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  completed_at timestamptz,
  canceled_at  timestamptz,
  error        text,
  log          text NOT NULL DEFAULT '',   -- bounded by the writer: the last part is kept
  CHECK (completed_at IS NULL OR completed_at >= created_at)
);

-- The job status rules (docs/rules.md#provisioner-jobs) for SQL; src/lifecycle/job-status.ts has the same rules for code
-- (an empty error string is not a failure in either).
CREATE FUNCTION job_status(started_at timestamptz, completed_at timestamptz,
                           canceled_at timestamptz, error text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN completed_at IS NOT NULL THEN
      CASE WHEN error <> '' THEN 'failed'
           WHEN canceled_at IS NOT NULL THEN 'canceled'
           ELSE 'succeeded' END
    WHEN error <> '' THEN 'failed'
    WHEN canceled_at IS NOT NULL THEN 'canceling'
    WHEN started_at IS NULL THEN 'pending'
    ELSE 'running' END
$$;

CREATE TABLE workspaces (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id           uuid NOT NULL REFERENCES users (id),
  template_id        uuid NOT NULL REFERENCES templates (id),
  name               text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  autostart_schedule text,               -- weekly schedule exactly as given (docs/rules.md#weekly-schedule)
  ttl_ms             bigint CHECK (ttl_ms IS NULL OR ttl_ms BETWEEN 60000 AND 2592000000),
  last_used_at       timestamptz NOT NULL DEFAULT now(),
  dormant_at         timestamptz,
  deleting_at        timestamptz,
  automatic_updates  text NOT NULL DEFAULT 'never' CHECK (automatic_updates IN ('always', 'never')),
  next_start_at      timestamptz,        -- cache of the next allowed autostart (docs/rules.md#the-next_start_at-cache)
  autostart_blocked  text,               -- why autostart can never fire (docs/rules.md#the-next_start_at-cache); NULL = not blocked
  deleted            boolean NOT NULL DEFAULT false,
  created_at         timestamptz NOT NULL DEFAULT now(),

  -- Summary of the latest build and its job, kept by the triggers below so the
  -- candidate query (docs/rules.md#candidate-query) reads one table through small partial indexes
  -- instead of joining every workspace to its builds.
  latest_build_id          uuid,
  latest_build_number      integer,
  latest_transition        text,
  latest_deadline          timestamptz,
  latest_job_id            uuid,
  latest_job_status        text,
  latest_job_completed_at  timestamptz
);

CREATE UNIQUE INDEX workspaces_owner_name_key ON workspaces (owner_id, lower(name)) WHERE NOT deleted;

CREATE TABLE workspace_builds (
  id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id               uuid NOT NULL REFERENCES workspaces (id),
  build_number               integer NOT NULL CHECK (build_number >= 1),
  transition                 text NOT NULL CHECK (transition IN ('start', 'stop', 'delete')),
  reason                     text NOT NULL
                             CHECK (reason IN ('initiator', 'autostart', 'autostop', 'dormancy', 'autodelete')),
  template_version_id        uuid NOT NULL REFERENCES template_versions (id),
  initiator_id               uuid NOT NULL REFERENCES users (id),  -- for autobuilds: the owner, through the system
  job_id                     uuid NOT NULL UNIQUE REFERENCES provisioner_jobs (id),
  deadline                   timestamptz,
  max_deadline               timestamptz,
  notified_autostop_deadline timestamptz,
  workflow_id                text,   -- Temporal workflow that created it; NULL for a person's action
  created_at                 timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, build_number)
);

CREATE TABLE notifications (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),  -- stable id, sent as Idempotency-Key
  kind          text NOT NULL
                CHECK (kind IN ('workspace_dormant', 'autostop_reminder', 'autobuild_failed', 'workspace_autodeleted')),
  workspace_id  uuid NOT NULL REFERENCES workspaces (id),
  user_id       uuid NOT NULL REFERENCES users (id),
  payload       jsonb NOT NULL,
  dedupe_key    text NOT NULL UNIQUE,   -- one notification per cause, even if its writer runs twice
  created_at    timestamptz NOT NULL DEFAULT now(),
  delivered_at  timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text
);
CREATE INDEX notifications_undelivered_idx ON notifications (created_at) WHERE delivered_at IS NULL;

-- Latest-build summary maintenance ------------------------------------------

CREATE FUNCTION workspace_builds_track_latest() RETURNS trigger LANGUAGE plpgsql AS $$
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
    AND (w.latest_build_number IS NULL OR w.latest_build_number <= NEW.build_number);
  RETURN NULL;
END $$;
CREATE TRIGGER workspace_builds_track_latest
  AFTER INSERT OR UPDATE OF deadline ON workspace_builds
  FOR EACH ROW EXECUTE FUNCTION workspace_builds_track_latest();

CREATE FUNCTION provisioner_jobs_track_latest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workspaces SET
    latest_job_status = job_status(NEW.started_at, NEW.completed_at, NEW.canceled_at, NEW.error),
    latest_job_completed_at = NEW.completed_at
  WHERE latest_job_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER provisioner_jobs_track_latest
  AFTER UPDATE ON provisioner_jobs
  FOR EACH ROW EXECUTE FUNCTION provisioner_jobs_track_latest();

-- Indexes for the candidate query (docs/rules.md#candidate-query): one partial index per rule, each
-- holding only the rows that rule could ever select.
CREATE INDEX workspaces_latest_job_idx ON workspaces (latest_job_id);
CREATE INDEX workspaces_autostart_idx ON workspaces (next_start_at NULLS FIRST)
  WHERE NOT deleted AND autostart_schedule IS NOT NULL AND autostart_blocked IS NULL AND dormant_at IS NULL;
CREATE INDEX workspaces_deadline_idx ON workspaces (latest_deadline)
  WHERE NOT deleted AND latest_transition = 'start' AND latest_deadline IS NOT NULL;
CREATE INDEX workspaces_failed_idx ON workspaces (latest_job_completed_at)
  WHERE NOT deleted AND latest_job_status = 'failed';
CREATE INDEX workspaces_inactivity_idx ON workspaces (template_id, last_used_at)
  WHERE NOT deleted AND dormant_at IS NULL;
CREATE INDEX workspaces_deleting_idx ON workspaces (deleting_at)
  WHERE NOT deleted AND dormant_at IS NOT NULL AND deleting_at IS NOT NULL;
CREATE INDEX workspaces_owner_idx ON workspaces (owner_id) WHERE NOT deleted;
CREATE INDEX workspaces_template_idx ON workspaces (template_id) WHERE NOT deleted;
CREATE INDEX users_not_active_idx ON users (status) WHERE status <> 'active';
CREATE INDEX provisioner_jobs_pending_idx ON provisioner_jobs (created_at) WHERE started_at IS NULL AND completed_at IS NULL;
