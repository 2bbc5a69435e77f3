DROP INDEX status_events_activity_idx;
CREATE INDEX status_events_activity_idx
    ON status_events (event_date, date_precision, retracted, phase, item_id);
DROP INDEX items_recent_idx;
DROP TRIGGER item_tags_events_update;
DROP TRIGGER item_tags_events_delete;
DROP TRIGGER item_tags_events_insert;
DROP TRIGGER status_events_tags_delete;
DROP TRIGGER status_events_tags_move;
DROP TRIGGER status_events_tags_insert;
DROP TABLE event_tags;
