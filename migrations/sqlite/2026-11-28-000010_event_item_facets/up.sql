-- The timeline filtered by kind or jurisdiction reads the events of the
-- matching items newest first. Each event carries its item's kind and
-- jurisdiction, kept right by the triggers below (writers never set them),
-- so that filter is a range of an index in the timeline's own order
-- (event_date DESC, id DESC, as status_events_timeline_idx) instead of a
-- walk over every event checking its item.
ALTER TABLE status_events ADD COLUMN item_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE status_events ADD COLUMN item_jurisdiction TEXT NOT NULL DEFAULT '';

UPDATE status_events
SET item_kind = (SELECT kind FROM items WHERE items.id = status_events.item_id),
    item_jurisdiction = (SELECT jurisdiction FROM items WHERE items.id = status_events.item_id);

CREATE INDEX status_events_kind_idx
    ON status_events (item_kind, event_date DESC, id DESC);
CREATE INDEX status_events_jurisdiction_idx
    ON status_events (item_jurisdiction, event_date DESC, id DESC);

-- A new event (or one moved to another item) takes its item's values.
CREATE TRIGGER status_events_item_facets_insert AFTER INSERT ON status_events
BEGIN
    UPDATE status_events
    SET item_kind = (SELECT kind FROM items WHERE items.id = NEW.item_id),
        item_jurisdiction = (SELECT jurisdiction FROM items WHERE items.id = NEW.item_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER status_events_item_facets_move AFTER UPDATE OF item_id ON status_events
WHEN OLD.item_id IS NOT NEW.item_id
BEGIN
    UPDATE status_events
    SET item_kind = (SELECT kind FROM items WHERE items.id = NEW.item_id),
        item_jurisdiction = (SELECT jurisdiction FROM items WHERE items.id = NEW.item_id)
    WHERE id = NEW.id;
END;

-- An item whose kind or jurisdiction is edited passes it to its events.
CREATE TRIGGER items_facets_to_events AFTER UPDATE OF kind, jurisdiction ON items
WHEN OLD.kind IS NOT NEW.kind OR OLD.jurisdiction IS NOT NEW.jurisdiction
BEGIN
    UPDATE status_events
    SET item_kind = NEW.kind, item_jurisdiction = NEW.jurisdiction
    WHERE item_id = NEW.id;
END;
