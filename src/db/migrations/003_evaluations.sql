-- What an evaluation committed, under its key (`<workflow id>/<run id>/<activity id>`,
-- the same for every attempt of one activity): an attempt that finds its key
-- returns the stored outcome instead of deciding again on the state its
-- earlier attempt left (docs/orchestration.md, "The evaluation"). Written in
-- the evaluation's own transaction, only when it changed something; the
-- worker removes rows after a week, long after any attempt can run.
CREATE TABLE evaluations (
  key          text PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  outcome      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evaluations_created_idx ON evaluations (created_at);

-- The outbox wakes its deliverers when a notification commits: NOTIFY is
-- transactional (sent at COMMIT, dropped on ROLLBACK), so every writer of a
-- notification — the engine, build completion, a person's action, in any
-- process — triggers delivery right after its commit, with no code of its own.
-- The worker's periodic sweep delivers what a missed wake-up or a failed send left.
CREATE FUNCTION notifications_wake_deliverers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('autobuild_outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER notifications_wake_deliverers
  AFTER INSERT ON notifications
  FOR EACH STATEMENT EXECUTE FUNCTION notifications_wake_deliverers();
