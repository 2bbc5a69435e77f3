-- Email alerts. A subscriber is one address; it has subscriptions (a scope
-- and a frequency each). Tokens in email links are stored only as SHA-256
-- hashes, so reading the database alone gives no usable link.
CREATE TABLE subscribers (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY NOT NULL,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    scope_type TEXT NOT NULL CHECK (scope_type IN ('all', 'item', 'tag', 'jurisdiction', 'kind', 'filter')),
    scope_value TEXT NOT NULL DEFAULT '',
    frequency TEXT NOT NULL CHECK (frequency IN ('immediate', 'daily', 'weekly')),
    confirmed_at TIMESTAMP,
    next_digest_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (subscriber_id, scope_type, scope_value)
);
CREATE INDEX subscriptions_digest_idx ON subscriptions (next_digest_at);
-- Fan-out: the subscriptions a change can match, by scope.
CREATE INDEX subscriptions_scope_idx ON subscriptions (scope_type, scope_value);

-- purpose: confirm (one subscription), unsubscribe (one subscription),
-- manage (every subscription of the address).
CREATE TABLE subscription_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'unsubscribe', 'manage')),
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    subscription_id INTEGER REFERENCES subscriptions (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);

-- The outbox: one row per email owed, written in the transaction that makes
-- it owed (the change, the subscription, the digest period).
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY NOT NULL,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'alert', 'digest')),
    change_id INTEGER REFERENCES changes (id) ON DELETE CASCADE,
    period_start TIMESTAMP,
    period_end TIMESTAMP,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, change_id)
);
CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_lease_idx ON deliveries (status, lease_until);

-- Changes owed to digest subscriptions, written with the change; each is
-- assigned to exactly one digest delivery when its period closes.
CREATE TABLE digest_entries (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    change_id INTEGER NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
    delivery_id INTEGER REFERENCES deliveries (id) ON DELETE CASCADE,
    PRIMARY KEY (subscription_id, change_id)
);
CREATE INDEX digest_entries_delivery_idx ON digest_entries (delivery_id);

-- Subscribe requests, for the per-address and per-client rate limits. The
-- key is "address:" + SHA-256 of the address, or "client:" + the IP.
CREATE TABLE subscribe_attempts (
    id INTEGER PRIMARY KEY NOT NULL,
    limit_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX subscribe_attempts_key_idx ON subscribe_attempts (limit_key, created_at);
