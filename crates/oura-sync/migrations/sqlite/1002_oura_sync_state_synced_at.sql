-- When each collection of each user last committed a batch (RFC 3339, UTC): which users'
-- syncs have stalled (a revoked login, a failing collection) shows in one query. Rows of
-- version 1 keep NULL until their next sync.
ALTER TABLE oura_sync_state ADD COLUMN synced_at TEXT;
