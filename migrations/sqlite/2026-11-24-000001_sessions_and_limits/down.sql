CREATE TABLE subscribe_attempts (
    id INTEGER PRIMARY KEY NOT NULL,
    limit_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX subscribe_attempts_key_idx ON subscribe_attempts (limit_key, created_at);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, created_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, created_at);

DROP TABLE limit_attempts;
DROP TABLE user_sessions;
