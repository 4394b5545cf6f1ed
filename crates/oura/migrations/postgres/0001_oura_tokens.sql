-- The token sets of the application's users, one row per user.
CREATE TABLE IF NOT EXISTS oura_tokens (
    user_id    TEXT PRIMARY KEY,
    -- The TokenSet (access and refresh token in clear: restrict who can read this table).
    tokens     JSONB NOT NULL,
    -- When the access token expires; NULL when unknown.
    expires_at TIMESTAMPTZ,
    -- Incremented by every save: how many times the set was replaced.
    revision   BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
