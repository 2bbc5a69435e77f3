-- Proposals: events and milestones an official source suggests, waiting
-- for an editor. A source's own id for a fact is unique per source, so a
-- fact proposed once (accepted, rejected or pending) is never proposed
-- again. target says which: an event (status set) or a milestone (kind set).
CREATE TABLE proposals (
    id INTEGER PRIMARY KEY NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('congress', 'federal-register')),
    source_key TEXT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    target TEXT NOT NULL CHECK (target IN ('event', 'milestone')),
    proposed_date DATE NOT NULL,
    date_precision TEXT NOT NULL CHECK (date_precision IN ('day', 'month', 'year')),
    status TEXT,
    milestone_kind TEXT,
    note TEXT NOT NULL,
    source_url TEXT NOT NULL,
    confidence TEXT NOT NULL CHECK (confidence IN ('high', 'medium', 'low')),
    raw_text TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'rejected')),
    created_at TIMESTAMP NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_at TIMESTAMP,
    UNIQUE (source, source_key),
    CHECK ((target = 'event' AND status IS NOT NULL) OR (target = 'milestone' AND milestone_kind IS NOT NULL))
);
CREATE INDEX proposals_state_idx ON proposals (state, item_id, id);

-- What each official resource answered last, for conditional requests
-- (If-None-Match, If-Modified-Since): a 304 means nothing new there.
CREATE TABLE source_fetches (
    url TEXT PRIMARY KEY NOT NULL,
    etag TEXT,
    last_modified TEXT,
    fetched_at TIMESTAMP NOT NULL
);
