-- Bounds on every value a person sets (docs/operations.md#bounds), so that
-- one mistaken value cannot stop the engine: a dormancy threshold of millions
-- of days made the candidate query compute a timestamp before 4713 BC and
-- fail every tick, for every template. src/ops/validate.ts (BOUNDS) refuses
-- such values with a clear message; these constraints hold the database to
-- the same bounds (test/db/schema.test.ts checks that the two agree).
--
-- A value beyond its bound can only have been stored before these bounds
-- existed, and it never worked: it is brought to the bound first.

UPDATE templates SET
  activity_bump_ms               = LEAST(activity_bump_ms, 31536000000),
  failure_ttl_ms                 = LEAST(failure_ttl_ms, 31536000000),
  time_til_dormant_ms            = LEAST(time_til_dormant_ms, 31536000000),
  time_til_dormant_autodelete_ms = LEAST(time_til_dormant_autodelete_ms, 31536000000),
  autostop_notify_before_ms      = LEAST(autostop_notify_before_ms, 31536000000),
  default_ttl_ms                 = CASE WHEN default_ttl_ms = 0 THEN 0
                                        ELSE LEAST(GREATEST(default_ttl_ms, 60000), 2592000000) END;

ALTER TABLE templates
  ADD CONSTRAINT templates_activity_bump_bound CHECK (activity_bump_ms <= 31536000000),
  ADD CONSTRAINT templates_failure_ttl_bound CHECK (failure_ttl_ms <= 31536000000),
  ADD CONSTRAINT templates_time_til_dormant_bound CHECK (time_til_dormant_ms <= 31536000000),
  ADD CONSTRAINT templates_time_til_dormant_autodelete_bound CHECK (time_til_dormant_autodelete_ms <= 31536000000),
  ADD CONSTRAINT templates_autostop_notify_before_bound CHECK (autostop_notify_before_ms <= 31536000000),
  ADD CONSTRAINT templates_default_ttl_bound CHECK (default_ttl_ms = 0 OR default_ttl_ms BETWEEN 60000 AND 2592000000);

-- Schedules are stored in their normal form (single spaces); the operations
-- module refuses one longer than 256 characters.
UPDATE workspaces SET autostart_schedule = regexp_replace(btrim(autostart_schedule), '\s+', ' ', 'g')
 WHERE autostart_schedule IS NOT NULL;
UPDATE users SET quiet_hours_schedule = regexp_replace(btrim(quiet_hours_schedule), '\s+', ' ', 'g')
 WHERE quiet_hours_schedule IS NOT NULL;
