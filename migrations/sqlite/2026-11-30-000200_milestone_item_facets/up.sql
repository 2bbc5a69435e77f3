-- Calendars and the "Coming up" lists filtered by kind or jurisdiction read
-- the milestones of the matching items in date order. Each milestone
-- carries its item's kind and jurisdiction, kept right by the triggers
-- below (writers never set them), so that filter is a range of an index in
-- the calendar's own order (milestone_date, id) instead of a walk over
-- every milestone checking its item.
ALTER TABLE milestones ADD COLUMN item_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE milestones ADD COLUMN item_jurisdiction TEXT NOT NULL DEFAULT '';

UPDATE milestones
SET item_kind = (SELECT kind FROM items WHERE items.id = milestones.item_id),
    item_jurisdiction = (SELECT jurisdiction FROM items WHERE items.id = milestones.item_id);

CREATE INDEX milestones_kind_idx ON milestones (item_kind, milestone_date, id);
CREATE INDEX milestones_jurisdiction_idx ON milestones (item_jurisdiction, milestone_date, id);

-- A new milestone (or one moved to another item) takes its item's values.
CREATE TRIGGER milestones_item_facets_insert AFTER INSERT ON milestones
BEGIN
    UPDATE milestones
    SET item_kind = (SELECT kind FROM items WHERE items.id = NEW.item_id),
        item_jurisdiction = (SELECT jurisdiction FROM items WHERE items.id = NEW.item_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER milestones_item_facets_move AFTER UPDATE OF item_id ON milestones
WHEN OLD.item_id IS NOT NEW.item_id
BEGIN
    UPDATE milestones
    SET item_kind = (SELECT kind FROM items WHERE items.id = NEW.item_id),
        item_jurisdiction = (SELECT jurisdiction FROM items WHERE items.id = NEW.item_id)
    WHERE id = NEW.id;
END;

-- An item whose kind or jurisdiction is edited passes it to its milestones.
CREATE TRIGGER items_facets_to_milestones AFTER UPDATE OF kind, jurisdiction ON items
WHEN OLD.kind IS NOT NEW.kind OR OLD.jurisdiction IS NOT NEW.jurisdiction
BEGIN
    UPDATE milestones
    SET item_kind = NEW.kind, item_jurisdiction = NEW.jurisdiction
    WHERE item_id = NEW.id;
END;
