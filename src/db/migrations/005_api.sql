-- API tokens and the audit log (docs/operations.md#api-tokens,
-- docs/operations.md#audit-log). Additive: two new tables, nothing that older
-- code reads changes.

-- A token is `abk_<id>_<secret>`; only the SHA-256 of the secret is kept, so
-- the token itself is shown once, when it is created. A reporter token is
-- limited to exactly one scope: one workspace, or one or more templates;
-- every other role has none.
CREATE TABLE api_tokens (
  id                 text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{12}$'),
  user_id            uuid NOT NULL REFERENCES users (id),
  role               text NOT NULL CHECK (role IN ('member', 'template-admin', 'owner', 'reporter')),
  name               text CHECK (name IS NULL OR char_length(name) BETWEEN 1 AND 64),
  secret_hash        bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
  scope_workspace_id uuid REFERENCES workspaces (id),
  scope_template_ids uuid[],
  -- Milliseconds: a list resumes after the last token of a page, read back from JavaScript.
  created_at         timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  expires_at         timestamptz,   -- NULL = never
  last_used_at       timestamptz,   -- written at most once an hour
  revoked_at         timestamptz,
  -- Every term is true or false, never NULL (a CHECK that is NULL passes).
  CONSTRAINT api_tokens_reporter_scope CHECK (
    CASE WHEN role = 'reporter'
      THEN (scope_workspace_id IS NOT NULL AND scope_template_ids IS NULL)
        OR (scope_workspace_id IS NULL AND coalesce(cardinality(scope_template_ids), 0) >= 1
            AND array_position(scope_template_ids, NULL) IS NULL)
      ELSE scope_workspace_id IS NULL AND scope_template_ids IS NULL
    END),
  CONSTRAINT api_tokens_expiry CHECK (expires_at IS NULL OR expires_at > created_at)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at DESC, id DESC);
CREATE INDEX api_tokens_list_idx ON api_tokens (created_at DESC, id DESC);

-- One row per change a person (or a token) made through the operations
-- module, written in the same transaction as the change: a refused or failed
-- change leaves none. `at` is the transaction's now(). The ids have no foreign
-- keys: the log outlives what it names. Lists are newest first by id.
CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  actor         text NOT NULL CHECK (actor <> ''),   -- a username, or cli:<operating-system user>
  actor_user_id uuid,
  token_id      text,                                -- the API token the actor used, if any
  action        text NOT NULL,
  workspace_id  uuid,
  template_id   uuid,
  user_id       uuid,                                -- the subject user (a workspace's owner, a token's user)
  before        jsonb,
  after         jsonb
);
CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, id DESC) WHERE workspace_id IS NOT NULL;
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id DESC);
CREATE INDEX audit_log_at_idx ON audit_log (at, id DESC);
