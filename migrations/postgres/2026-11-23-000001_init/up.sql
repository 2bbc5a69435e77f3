CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('editor', 'admin')),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE items (
    id SERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    short_title TEXT,
    original_title TEXT,
    jurisdiction TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    status_summary TEXT,
    current_status TEXT,
    current_phase TEXT,
    last_event_date DATE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX items_kind_idx ON items (kind);
CREATE INDEX items_jurisdiction_idx ON items (jurisdiction);
CREATE INDEX items_phase_idx ON items (current_phase);
CREATE INDEX items_last_event_idx ON items (last_event_date, id);
CREATE INDEX items_title_idx ON items (title, id);
CREATE INDEX items_status_idx ON items (current_status, id);

CREATE TABLE item_identifiers (
    id SERIAL PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX item_identifiers_item_idx ON item_identifiers (item_id, position);

CREATE TABLE item_parties (
    id SERIAL PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX item_parties_item_idx ON item_parties (item_id, position);

CREATE TABLE tags (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE item_tags (
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (item_id, tag_id)
);
CREATE INDEX item_tags_tag_idx ON item_tags (tag_id, item_id);

CREATE TABLE status_events (
    id SERIAL PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    event_date DATE NOT NULL,
    date_precision TEXT NOT NULL CHECK (date_precision IN ('day', 'month', 'year')),
    status TEXT NOT NULL,
    moves_status BOOLEAN NOT NULL,
    phase TEXT,
    note TEXT NOT NULL DEFAULT '',
    source_url TEXT NOT NULL,
    confidence TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
    retracted BOOLEAN NOT NULL DEFAULT FALSE,
    retraction_note TEXT,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX status_events_timeline_idx ON status_events (event_date DESC, id DESC);
CREATE INDEX status_events_item_idx ON status_events (item_id, event_date, id);
CREATE INDEX status_events_phase_idx ON status_events (phase, event_date DESC, id DESC);

CREATE TABLE item_links (
    id SERIAL PRIMARY KEY,
    from_item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    to_item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (from_item_id <> to_item_id),
    UNIQUE (from_item_id, to_item_id, relation)
);
CREATE INDEX item_links_to_idx ON item_links (to_item_id);

CREATE TABLE revisions (
    id SERIAL PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id),
    item_version INTEGER NOT NULL,
    action TEXT NOT NULL,
    diff TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX revisions_item_idx ON revisions (item_id, id DESC);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Full-text search document per item (titles, identifiers, summary, parties,
-- event notes), maintained by the application in the same transaction as the
-- change that alters it.
CREATE TABLE item_search (
    item_id INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    document TSVECTOR NOT NULL
);
CREATE INDEX item_search_document_idx ON item_search USING GIN (document);
