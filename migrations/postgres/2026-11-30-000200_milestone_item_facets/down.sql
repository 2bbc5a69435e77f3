DROP TRIGGER items_facets_to_milestones ON items;
DROP FUNCTION items_facets_to_milestones();
DROP TRIGGER milestones_item_facets ON milestones;
DROP FUNCTION milestones_item_facets();
DROP INDEX milestones_jurisdiction_idx;
DROP INDEX milestones_kind_idx;
ALTER TABLE milestones DROP COLUMN item_jurisdiction, DROP COLUMN item_kind;
