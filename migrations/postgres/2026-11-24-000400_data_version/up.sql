-- The data's version: a number every committed write to a table that pages
-- show moves on, in the writing transaction itself, so every `regwatch
-- serve` sharing this database sees a change as soon as it has committed
-- and drops the pages it rendered before (see src/store/watch.rs).
CREATE TABLE regwatch_data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO regwatch_data_version (id, n) VALUES (1, 0);

-- Deferred to the commit, and once per transaction: the row is locked only
-- while the transaction commits, after every other lock it takes, so two
-- writers cannot deadlock on it.
CREATE FUNCTION regwatch_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('regwatch.data_changed', true) IS DISTINCT FROM 'y' THEN
        PERFORM set_config('regwatch.data_changed', 'y', true);
        UPDATE regwatch_data_version SET n = n + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;

-- Puts the trigger on every table that lacks it, except the bookkeeping no
-- page shows. Run after every migration (db::DbConnection::migrate), so a
-- table added later is covered without anyone remembering to.
CREATE FUNCTION regwatch_watch_tables() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = current_schema()
          AND c.relname NOT IN ('user_sessions', 'limit_attempts', 'api_tokens',
                                'deliveries', 'digest_entries', 'milestone_reminders',
                                '__diesel_schema_migrations', 'regwatch_data_version')
          AND NOT EXISTS (SELECT 1 FROM pg_trigger tr
                          WHERE tr.tgrelid = c.oid
                            AND tr.tgname = 'regwatch_data_changed')
    LOOP
        EXECUTE format('CREATE CONSTRAINT TRIGGER regwatch_data_changed
                        AFTER INSERT OR UPDATE OR DELETE ON %I
                        DEFERRABLE INITIALLY DEFERRED
                        FOR EACH ROW EXECUTE FUNCTION regwatch_data_changed()',
                       t.relname);
    END LOOP;
END
$$;

SELECT regwatch_watch_tables();
