-- The precision of an item's last event, beside its date, so the item table
-- shows it as written ("June 2025", never 1 June) and sorts it by its period.
ALTER TABLE items ADD COLUMN last_event_precision TEXT
    CHECK (last_event_precision IN ('day', 'month', 'year'));
UPDATE items SET last_event_precision = (
    SELECT e.date_precision FROM status_events e
    WHERE e.item_id = items.id AND e.retracted = FALSE
    ORDER BY e.event_date DESC, e.date_precision ASC, e.id DESC
    LIMIT 1
);
-- The item table's date order: the period's first day, then the coarser
-- precision first ('year' > 'month' > 'day' as text), then the id.
DROP INDEX items_last_event_idx;
CREATE INDEX items_last_event_idx ON items (last_event_date, last_event_precision DESC, id);

-- TRUE once an editor has corrected or retracted the event: `regwatch seed`
-- then leaves it as the editor left it instead of applying the starter data.
-- Before this column, such a change showed only as a later updated_at.
ALTER TABLE status_events ADD COLUMN edited BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE status_events SET edited = TRUE WHERE updated_at > created_at;
