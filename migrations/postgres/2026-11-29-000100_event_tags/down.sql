DROP INDEX status_events_activity_idx;
CREATE INDEX status_events_activity_idx
    ON status_events (event_date, date_precision, retracted, phase, item_id);
DROP INDEX items_recent_idx;
DROP TRIGGER item_tags_events ON item_tags;
DROP FUNCTION item_tags_events();
DROP TRIGGER status_events_tags_move ON status_events;
DROP TRIGGER status_events_tags_insert ON status_events;
DROP FUNCTION status_events_tags();
DROP TABLE event_tags;
