-- Finding the users whose access token expires soon (a service refreshing ahead of time)
-- reads this index instead of every row.
CREATE INDEX IF NOT EXISTS oura_tokens_expires_at ON oura_tokens (expires_at);
