-- What the official sources propose, and what was last fetched from them,
-- show only on the editors' review pages, which are never kept: writes to
-- them (every periodic sync) leave the data's version alone, so readers'
-- kept pages are not dropped for them. Accepting a proposal writes an event,
-- which moves it as any event does.
DROP TRIGGER IF EXISTS regwatch_data_changed ON proposals;
DROP TRIGGER IF EXISTS regwatch_data_changed ON source_fetches;

CREATE OR REPLACE FUNCTION regwatch_watch_tables() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = current_schema()
          AND c.relname NOT IN ('user_sessions', 'limit_attempts', 'api_tokens',
                                'deliveries', 'digest_entries', 'milestone_reminders',
                                'proposals', 'source_fetches',
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
