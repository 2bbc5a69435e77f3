-- Milestone reminders. One row per reminder claimed: a milestone, a lead
-- time in days and the first day of the milestone's date when it was armed.
-- The key is unique, and inserting it is the claim to send, so a reminder
-- goes out once however often (and by however many workers) it is looked
-- for; a corrected date has another first day, so its reminders are armed
-- again.
CREATE TABLE milestone_reminders (
    id SERIAL PRIMARY KEY,
    milestone_id INTEGER NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    lead_days INTEGER NOT NULL CHECK (lead_days >= 0),
    armed_for DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (milestone_id, lead_days, armed_for)
);

-- A reminder is a delivery of its own kind, one per subscription.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('confirmation', 'alert', 'digest', 'reminder'));
ALTER TABLE deliveries ADD COLUMN reminder_id INTEGER
    REFERENCES milestone_reminders (id) ON DELETE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_subscription_id_reminder_id_key
    UNIQUE (subscription_id, reminder_id);
