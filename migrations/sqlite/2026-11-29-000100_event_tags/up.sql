-- The timeline filtered by tag reads the events of the tagged items newest
-- first. This table holds one row per (tag, event of an item with that
-- tag), in the timeline's order within each tag, so the filter is one
-- range of its primary key instead of a walk over every event checking
-- its item's tags. The triggers below keep it right whoever writes
-- (writers never touch it). Retracted events stay in it: the timeline
-- reads each event's own row, which says so.
CREATE TABLE event_tags (
    tag_id INTEGER NOT NULL,
    event_date DATE NOT NULL,
    event_id INTEGER NOT NULL,
    PRIMARY KEY (tag_id, event_date, event_id)
) WITHOUT ROWID;
CREATE INDEX event_tags_event_idx ON event_tags (event_id);

INSERT INTO event_tags (tag_id, event_date, event_id)
SELECT item_tags.tag_id, status_events.event_date, status_events.id
FROM item_tags JOIN status_events ON status_events.item_id = item_tags.item_id;

-- A new event takes its item's tags.
CREATE TRIGGER status_events_tags_insert AFTER INSERT ON status_events
BEGIN
    INSERT OR IGNORE INTO event_tags (tag_id, event_date, event_id)
    SELECT tag_id, NEW.event_date, NEW.id FROM item_tags WHERE item_id = NEW.item_id;
END;

-- An event moved to another day or item.
CREATE TRIGGER status_events_tags_move AFTER UPDATE OF item_id, event_date ON status_events
WHEN OLD.item_id IS NOT NEW.item_id OR OLD.event_date IS NOT NEW.event_date
BEGIN
    DELETE FROM event_tags WHERE event_id = OLD.id;
    INSERT OR IGNORE INTO event_tags (tag_id, event_date, event_id)
    SELECT tag_id, NEW.event_date, NEW.id FROM item_tags WHERE item_id = NEW.item_id;
END;

CREATE TRIGGER status_events_tags_delete AFTER DELETE ON status_events
BEGIN
    DELETE FROM event_tags WHERE event_id = OLD.id;
END;

-- A tag given to an item covers its events; taken away, no longer.
CREATE TRIGGER item_tags_events_insert AFTER INSERT ON item_tags
BEGIN
    INSERT OR IGNORE INTO event_tags (tag_id, event_date, event_id)
    SELECT NEW.tag_id, event_date, id FROM status_events WHERE item_id = NEW.item_id;
END;

CREATE TRIGGER item_tags_events_delete AFTER DELETE ON item_tags
BEGIN
    DELETE FROM event_tags
    WHERE tag_id = OLD.tag_id
      AND event_id IN (SELECT id FROM status_events WHERE item_id = OLD.item_id);
END;

CREATE TRIGGER item_tags_events_update AFTER UPDATE ON item_tags
BEGIN
    DELETE FROM event_tags
    WHERE tag_id = OLD.tag_id
      AND event_id IN (SELECT id FROM status_events WHERE item_id = OLD.item_id);
    INSERT OR IGNORE INTO event_tags (tag_id, event_date, event_id)
    SELECT NEW.tag_id, event_date, id FROM status_events WHERE item_id = NEW.item_id;
END;

-- The item table's default order (latest event first, items without
-- events last), as keyset::order writes it: `/items`, `/chart` and
-- `/overview` read their first page from this index instead of sorting
-- every item.
CREATE INDEX items_recent_idx
    ON items ((last_event_date IS NULL), last_event_date DESC, last_event_precision, id DESC);

-- /overview counts standing events per month by jurisdiction and phase:
-- with the jurisdiction carried on each event, this index holds every
-- column the count reads, so it never visits the items.
DROP INDEX status_events_activity_idx;
CREATE INDEX status_events_activity_idx
    ON status_events (event_date, date_precision, retracted, phase, item_jurisdiction);
