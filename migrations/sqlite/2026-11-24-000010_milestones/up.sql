-- Milestones: dated points ahead of an item (or scheduled in the past). A
-- removed milestone stays as a cancelled row, so subscribed calendars learn
-- of the removal (STATUS:CANCELLED); every other view hides it. sequence is
-- raised on every edit, as calendars expect.
CREATE TABLE milestones (
    id INTEGER PRIMARY KEY NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('effective', 'compliance', 'comment-deadline',
        'statutory-deadline', 'session-end', 'hearing', 'vote', 'expiry')),
    milestone_date DATE NOT NULL,
    date_precision TEXT NOT NULL CHECK (date_precision IN ('day', 'month', 'year')),
    note TEXT NOT NULL DEFAULT '',
    source_url TEXT NOT NULL,
    confidence TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    sequence INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    edited BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX milestones_date_idx ON milestones (milestone_date, id);
CREATE INDEX milestones_item_idx ON milestones (item_id, milestone_date, id);

