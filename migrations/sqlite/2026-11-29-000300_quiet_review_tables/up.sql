-- What the official sources propose, and what was last fetched from them,
-- show only on the editors' review pages, which are never kept: writes to
-- them (every periodic sync) leave the data's version alone, so readers'
-- kept pages are not dropped for them. Accepting a proposal writes an event,
-- which moves it as any event does.
DROP TRIGGER IF EXISTS "regwatch_data_changed_proposals_insert";
DROP TRIGGER IF EXISTS "regwatch_data_changed_proposals_update";
DROP TRIGGER IF EXISTS "regwatch_data_changed_proposals_delete";
DROP TRIGGER IF EXISTS "regwatch_data_changed_source_fetches_insert";
DROP TRIGGER IF EXISTS "regwatch_data_changed_source_fetches_update";
DROP TRIGGER IF EXISTS "regwatch_data_changed_source_fetches_delete";
