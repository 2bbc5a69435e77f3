DROP TRIGGER items_facets_to_events ON items;
DROP FUNCTION items_facets_to_events();
DROP TRIGGER status_events_item_facets ON status_events;
DROP FUNCTION status_events_item_facets();
DROP INDEX status_events_jurisdiction_idx;
DROP INDEX status_events_kind_idx;
ALTER TABLE status_events DROP COLUMN item_jurisdiction, DROP COLUMN item_kind;
