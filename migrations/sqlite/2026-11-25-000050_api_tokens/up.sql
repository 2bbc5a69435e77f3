-- Per-user tokens for the JSON API: each is shown once when it is created;
-- only its SHA-256 is kept. Revoking one deletes its row.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
