-- Calendars and the "Coming up" lists filtered by kind or jurisdiction read
-- the milestones of the matching items in date order. Each milestone
-- carries its item's kind and jurisdiction, kept right by the triggers
-- below (writers never set them), so that filter is a range of an index in
-- the calendar's own order (milestone_date, id) instead of a walk over
-- every milestone checking its item.
ALTER TABLE milestones
    ADD COLUMN item_kind TEXT NOT NULL DEFAULT '',
    ADD COLUMN item_jurisdiction TEXT NOT NULL DEFAULT '';

UPDATE milestones
SET item_kind = items.kind, item_jurisdiction = items.jurisdiction
FROM items
WHERE items.id = milestones.item_id;

CREATE INDEX milestones_kind_idx ON milestones (item_kind, milestone_date, id);
CREATE INDEX milestones_jurisdiction_idx ON milestones (item_jurisdiction, milestone_date, id);

-- A new milestone (or one moved to another item) takes its item's values.
CREATE FUNCTION milestones_item_facets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT kind, jurisdiction INTO NEW.item_kind, NEW.item_jurisdiction
    FROM items WHERE id = NEW.item_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER milestones_item_facets
    BEFORE INSERT OR UPDATE OF item_id ON milestones
    FOR EACH ROW EXECUTE FUNCTION milestones_item_facets();

-- An item whose kind or jurisdiction is edited passes it to its milestones.
CREATE FUNCTION items_facets_to_milestones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE milestones
    SET item_kind = NEW.kind, item_jurisdiction = NEW.jurisdiction
    WHERE item_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER items_facets_to_milestones
    AFTER UPDATE OF kind, jurisdiction ON items
    FOR EACH ROW
    WHEN (OLD.kind IS DISTINCT FROM NEW.kind
          OR OLD.jurisdiction IS DISTINCT FROM NEW.jurisdiction)
    EXECUTE FUNCTION items_facets_to_milestones();
