-- The data's version: a number every committed write to a table that pages
-- show moves on, in the writing transaction itself. Triggers on every such
-- table are put in place after each migration (db::DbConnection::migrate),
-- so a table added later is covered too (see src/store/watch.rs).
CREATE TABLE regwatch_data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO regwatch_data_version (id, n) VALUES (1, 0);
