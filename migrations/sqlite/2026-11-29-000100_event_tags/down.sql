DROP INDEX items_recent_idx;
DROP TRIGGER item_tags_events_update;
DROP TRIGGER item_tags_events_delete;
DROP TRIGGER item_tags_events_insert;
DROP TRIGGER status_events_tags_delete;
DROP TRIGGER status_events_tags_move;
DROP TRIGGER status_events_tags_insert;
DROP TABLE event_tags;
