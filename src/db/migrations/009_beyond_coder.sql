-- What autobuild does beyond Coder (docs/rules.md#pause-and-skip,
-- docs/rules.md#holiday-calendars, docs/rules.md#catch-up-after-downtime,
-- docs/rules.md#autodelete-warning, docs/rules.md#reminder-actions).
-- Additive: every new column is NULL or has a default that keeps today's
-- behaviour, so a workspace and a template that use none of it, and older
-- code, see nothing change.

-- Pause and skip: autostart does not fire while paused (until NULL =
-- indefinitely); the one occurrence at autostart_skip_at does not fire.
ALTER TABLE workspaces
  ADD COLUMN autostart_paused        boolean NOT NULL DEFAULT false,
  ADD COLUMN autostart_paused_until  timestamptz,
  ADD COLUMN autostart_pause_note    text CHECK (autostart_pause_note IS NULL OR char_length(autostart_pause_note) <= 500),
  ADD COLUMN autostart_paused_by     text,
  ADD COLUMN autostart_skip_at       timestamptz,
  -- The deleting_at a warning before autodelete was sent for (like notified_autostop_deadline).
  ADD COLUMN notified_deleting_at    timestamptz,
  ADD CONSTRAINT workspaces_pause_until CHECK (autostart_paused OR autostart_paused_until IS NULL);

-- An indefinitely paused workspace has no next autostart and is not a
-- candidate: it leaves the autostart index without being "blocked".
DROP INDEX workspaces_autostart_idx;
CREATE INDEX workspaces_autostart_idx ON workspaces (next_start_at NULLS FIRST)
  WHERE NOT deleted AND autostart_schedule IS NOT NULL AND autostart_blocked IS NULL AND dormant_at IS NULL
    AND NOT (autostart_paused AND autostart_paused_until IS NULL);

-- Holiday calendars: named lists of local dates, attached to templates (all
-- their workspaces) and to users (their workspaces).
CREATE TABLE holiday_calendars (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  created_at  timestamptz NOT NULL DEFAULT autobuild_now()
);
CREATE TABLE holiday_dates (
  calendar_id uuid NOT NULL REFERENCES holiday_calendars (id) ON DELETE CASCADE,
  date        date NOT NULL,
  name        text CHECK (name IS NULL OR char_length(name) <= 200),
  PRIMARY KEY (calendar_id, date)
);
CREATE TABLE template_calendars (
  template_id uuid NOT NULL REFERENCES templates (id),
  calendar_id uuid NOT NULL REFERENCES holiday_calendars (id) ON DELETE CASCADE,
  PRIMARY KEY (template_id, calendar_id)
);
CREATE INDEX template_calendars_calendar_idx ON template_calendars (calendar_id);
CREATE TABLE user_calendars (
  user_id     uuid NOT NULL REFERENCES users (id),
  calendar_id uuid NOT NULL REFERENCES holiday_calendars (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, calendar_id)
);
CREATE INDEX user_calendars_calendar_idx ON user_calendars (calendar_id);

-- Template options: the catch-up policy and the warning before autodelete
-- (0 = off, the default).
ALTER TABLE templates
  ADD COLUMN catchup                     text NOT NULL DEFAULT 'all' CHECK (catchup IN ('all', 'latest', 'none')),
  ADD COLUMN catchup_window_ms           bigint NOT NULL DEFAULT 0 CHECK (catchup_window_ms >= 0),
  ADD COLUMN autodelete_notify_before_ms bigint NOT NULL DEFAULT 0 CHECK (autodelete_notify_before_ms >= 0);

-- The last tick the engine completed: "down" is measured from it.
CREATE TABLE engine_ticks (
  id                  boolean PRIMARY KEY DEFAULT true CHECK (id),
  last_completed_tick timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL DEFAULT autobuild_now()
);

-- The warning before autodelete is a notification of its own.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('workspace_dormant', 'autostop_reminder', 'autobuild_failed', 'workspace_autodeleted', 'autodelete_warning'));

-- Reminder actions: single-use links. Only the SHA-256 of the token is kept.
CREATE TABLE reminder_actions (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  action       text NOT NULL CHECK (action IN ('extend', 'skip-stop', 'keep')),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  created_at   timestamptz NOT NULL DEFAULT autobuild_now()
);
CREATE INDEX reminder_actions_workspace_idx ON reminder_actions (workspace_id);
