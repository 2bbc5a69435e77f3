DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_trigger tr JOIN pg_class c ON c.oid = tr.tgrelid
        WHERE tr.tgname = 'regwatch_data_changed'
    LOOP
        EXECUTE format('DROP TRIGGER regwatch_data_changed ON %I', t.relname);
    END LOOP;
END
$$;
DROP FUNCTION regwatch_watch_tables();
DROP FUNCTION regwatch_data_changed();
DROP TABLE regwatch_data_version;
