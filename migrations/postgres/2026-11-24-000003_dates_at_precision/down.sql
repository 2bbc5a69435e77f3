ALTER TABLE status_events DROP COLUMN edited;
DROP INDEX items_last_event_idx;
ALTER TABLE items DROP COLUMN last_event_precision;
CREATE INDEX items_last_event_idx ON items (last_event_date, id);
