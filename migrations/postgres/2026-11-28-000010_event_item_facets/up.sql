-- The timeline filtered by kind or jurisdiction reads the events of the
-- matching items newest first. Each event carries its item's kind and
-- jurisdiction, kept right by the triggers below (writers never set them),
-- so that filter is a range of an index in the timeline's own order
-- (event_date DESC, id DESC, as status_events_timeline_idx) instead of a
-- walk over every event checking its item.
ALTER TABLE status_events
    ADD COLUMN item_kind TEXT NOT NULL DEFAULT '',
    ADD COLUMN item_jurisdiction TEXT NOT NULL DEFAULT '';

UPDATE status_events
SET item_kind = items.kind, item_jurisdiction = items.jurisdiction
FROM items
WHERE items.id = status_events.item_id;

CREATE INDEX status_events_kind_idx
    ON status_events (item_kind, event_date DESC, id DESC);
CREATE INDEX status_events_jurisdiction_idx
    ON status_events (item_jurisdiction, event_date DESC, id DESC);

-- A new event (or one moved to another item) takes its item's values.
CREATE FUNCTION status_events_item_facets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT kind, jurisdiction INTO NEW.item_kind, NEW.item_jurisdiction
    FROM items WHERE id = NEW.item_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER status_events_item_facets
    BEFORE INSERT OR UPDATE OF item_id ON status_events
    FOR EACH ROW EXECUTE FUNCTION status_events_item_facets();

-- An item whose kind or jurisdiction is edited passes it to its events.
CREATE FUNCTION items_facets_to_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE status_events
    SET item_kind = NEW.kind, item_jurisdiction = NEW.jurisdiction
    WHERE item_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER items_facets_to_events
    AFTER UPDATE OF kind, jurisdiction ON items
    FOR EACH ROW
    WHEN (OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.jurisdiction IS DISTINCT FROM NEW.jurisdiction)
    EXECUTE FUNCTION items_facets_to_events();
