-- The database clock in one place (docs/rules.md#time): every instant the
-- database itself stamps or compares — a build's and a job's times, a
-- workspace's last use, the outbox, tokens, retention — reads autobuild_now(),
-- never now() directly. In production it is now() (the transaction's start,
-- as before). A test that simulates a week of time (docs/soak.md) replaces
-- this one function to move the whole database clock; nothing else changes.
-- Additive: older code's now() and this function agree.

CREATE FUNCTION autobuild_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT now() $$;

ALTER TABLE users ALTER COLUMN created_at SET DEFAULT autobuild_now();
ALTER TABLE templates ALTER COLUMN created_at SET DEFAULT autobuild_now();
ALTER TABLE templates ALTER COLUMN updated_at SET DEFAULT autobuild_now();
ALTER TABLE template_versions ALTER COLUMN created_at SET DEFAULT autobuild_now();
ALTER TABLE provisioner_jobs ALTER COLUMN created_at SET DEFAULT autobuild_now();
ALTER TABLE workspaces ALTER COLUMN last_used_at SET DEFAULT autobuild_now();
ALTER TABLE workspaces ALTER COLUMN created_at SET DEFAULT autobuild_now();
ALTER TABLE workspace_builds ALTER COLUMN created_at SET DEFAULT autobuild_now();
ALTER TABLE notifications ALTER COLUMN created_at SET DEFAULT autobuild_now();
ALTER TABLE simulated_failures ALTER COLUMN created_at SET DEFAULT autobuild_now();
ALTER TABLE evaluations ALTER COLUMN created_at SET DEFAULT autobuild_now();
ALTER TABLE api_tokens ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', autobuild_now());
ALTER TABLE audit_log ALTER COLUMN at SET DEFAULT autobuild_now();
