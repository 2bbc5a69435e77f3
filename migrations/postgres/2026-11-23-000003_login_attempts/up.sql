-- Failed sign-ins, counted per address and per client IP to slow down and
-- then refuse password guessing. Old rows are pruned as new ones arrive.
CREATE TABLE login_attempts (
    id SERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, created_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, created_at);
