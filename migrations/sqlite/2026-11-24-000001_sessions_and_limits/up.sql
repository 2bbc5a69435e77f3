-- Sign-in sessions kept on the server, so signing out ends them. The
-- session cookie carries a random token; only its SHA-256 is stored.
-- Cookies from before this migration carry no token: they are signed out.
CREATE TABLE user_sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);
CREATE INDEX user_sessions_expires_idx ON user_sessions (expires_at);

-- One table for every windowed rate limit (sign-in, subscribing): an
-- attempt is a row per key it counts under, until it expires. Keys are a
-- rule name and the SHA-256 of what it limits (an address, an IP).
CREATE TABLE limit_attempts (
    id INTEGER PRIMARY KEY NOT NULL,
    limit_key TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX limit_attempts_key_idx ON limit_attempts (limit_key, expires_at);
CREATE INDEX limit_attempts_expires_idx ON limit_attempts (expires_at);

-- Replaced by limit_attempts; their rows only counted for an hour at most.
DROP TABLE login_attempts;
DROP TABLE subscribe_attempts;
