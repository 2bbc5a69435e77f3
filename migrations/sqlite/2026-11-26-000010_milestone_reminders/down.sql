PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE deliveries_old (
    id INTEGER PRIMARY KEY NOT NULL,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'alert', 'digest')),
    change_id INTEGER REFERENCES changes (id) ON DELETE CASCADE,
    period_start TIMESTAMP,
    period_end TIMESTAMP,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    claim_token TEXT,
    UNIQUE (subscription_id, change_id)
);
INSERT INTO deliveries_old (id, subscription_id, kind, change_id, period_start, period_end, status, attempts, next_attempt_at, lease_until, last_error, sent_at, created_at, claim_token)
    SELECT id, subscription_id, kind, change_id, period_start, period_end, status, attempts, next_attempt_at, lease_until, last_error, sent_at, created_at, claim_token FROM deliveries WHERE kind <> 'reminder';
DROP TABLE deliveries;
ALTER TABLE deliveries_old RENAME TO deliveries;
CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_lease_idx ON deliveries (status, lease_until);
DROP TABLE milestone_reminders;

COMMIT;
PRAGMA foreign_keys = ON;
