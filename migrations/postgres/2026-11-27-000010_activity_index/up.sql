-- /overview counts standing events per month by jurisdiction and phase:
-- this index holds every column that count reads, in date order, so the
-- count walks the index alone (and the items' primary key for their
-- jurisdiction) instead of the events' rows.
CREATE INDEX status_events_activity_idx
    ON status_events (event_date, date_precision, retracted, phase, item_id);
