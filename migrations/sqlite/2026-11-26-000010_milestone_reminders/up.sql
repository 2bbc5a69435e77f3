-- Milestone reminders. One row per reminder claimed: a milestone, a lead
-- time in days and the first day of the milestone's date when it was armed.
-- The key is unique, and inserting it is the claim to send, so a reminder
-- goes out once however often it is looked for; a corrected date has another
-- first day, so its reminders are armed again.
--
-- A reminder is a delivery of its own kind. SQLite cannot alter a CHECK, so
-- deliveries is rebuilt (ids kept; digest_entries refers to them) with
-- foreign keys off, as SQLite's documentation prescribes.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE milestone_reminders (
    id INTEGER PRIMARY KEY NOT NULL,
    milestone_id INTEGER NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    lead_days INTEGER NOT NULL CHECK (lead_days >= 0),
    armed_for DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (milestone_id, lead_days, armed_for)
);

CREATE TABLE deliveries_new (
    id INTEGER PRIMARY KEY NOT NULL,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'alert', 'digest', 'reminder')),
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
    reminder_id INTEGER REFERENCES milestone_reminders (id) ON DELETE CASCADE,
    UNIQUE (subscription_id, change_id),
    UNIQUE (subscription_id, reminder_id)
);
INSERT INTO deliveries_new (id, subscription_id, kind, change_id, period_start, period_end, status, attempts, next_attempt_at, lease_until, last_error, sent_at, created_at, claim_token)
    SELECT id, subscription_id, kind, change_id, period_start, period_end, status, attempts, next_attempt_at, lease_until, last_error, sent_at, created_at, claim_token FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_lease_idx ON deliveries (status, lease_until);

COMMIT;
PRAGMA foreign_keys = ON;
