DROP TRIGGER items_facets_to_events;
DROP TRIGGER status_events_item_facets_move;
DROP TRIGGER status_events_item_facets_insert;
DROP INDEX status_events_jurisdiction_idx;
DROP INDEX status_events_kind_idx;
ALTER TABLE status_events DROP COLUMN item_jurisdiction;
ALTER TABLE status_events DROP COLUMN item_kind;
