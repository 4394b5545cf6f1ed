-- Where the export of each collection of each user stands; written in the same transaction as
-- the rows it describes. (The documents live in one table per collection, oura_<route>, created
-- from the collection catalog when a sink opens.)
CREATE TABLE IF NOT EXISTS oura_sync_state (
    user_id    TEXT NOT NULL,
    collection TEXT NOT NULL,
    -- The position of the latest document stored (a day or an RFC 3339 instant).
    last       TEXT,
    -- The end of the range fetched completely.
    through    TEXT,
    PRIMARY KEY (user_id, collection)
);
