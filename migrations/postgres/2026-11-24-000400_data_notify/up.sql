-- Every committed write to a table that pages show announces itself on the
-- channel `regwatch_data`, so each `regwatch serve` sharing this database
-- drops the pages it cached (see src/store/watch.rs). The notification is
-- sent when the writing transaction commits, and not at all if it rolls back.
CREATE FUNCTION regwatch_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('regwatch_data', '');
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
                                'deliveries', 'digest_entries',
                                '__diesel_schema_migrations')
          AND NOT EXISTS (SELECT 1 FROM pg_trigger tr
                          WHERE tr.tgrelid = c.oid
                            AND tr.tgname = 'regwatch_data_changed')
    LOOP
        EXECUTE format('CREATE TRIGGER regwatch_data_changed
                        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION regwatch_data_changed()',
                       t.relname);
    END LOOP;
END
$$;

SELECT regwatch_watch_tables();
