-- The warning before autodelete (docs/rules.md#autodelete-warning): its lead
-- time is a template policy duration, held to the same bound as the others
-- (docs/operations.md#bounds, migration 004).
ALTER TABLE templates
  ADD CONSTRAINT templates_autodelete_notify_before_bound CHECK (autodelete_notify_before_ms <= 31536000000);
