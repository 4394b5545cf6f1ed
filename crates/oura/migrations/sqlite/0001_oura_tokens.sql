-- The token sets of the application's users, one row per user.
CREATE TABLE IF NOT EXISTS oura_tokens (
    user_id    TEXT PRIMARY KEY NOT NULL,
    -- The TokenSet as JSON (access and refresh token in clear: protect the database file).
    tokens     TEXT NOT NULL,
    -- When the access token expires (RFC 3339, UTC), for queries; NULL when unknown.
    expires_at TEXT,
    -- Incremented by every save: how many times the set was replaced.
    revision   INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
