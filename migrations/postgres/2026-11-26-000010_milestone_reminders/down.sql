DELETE FROM deliveries WHERE kind = 'reminder';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_subscription_id_reminder_id_key;
ALTER TABLE deliveries DROP COLUMN reminder_id;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_check
    CHECK (kind IN ('confirmation', 'alert', 'digest'));
DROP TABLE milestone_reminders;
