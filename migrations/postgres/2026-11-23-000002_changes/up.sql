-- What alerts and feeds are made from: one row per change to an item (a new
-- item, a new or corrected status event, edited fields, a link added or
-- removed), written in the same transaction as the change itself.
CREATE TABLE changes (
    id SERIAL PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX changes_item_idx ON changes (item_id, id);
CREATE INDEX changes_created_idx ON changes (created_at, id);
