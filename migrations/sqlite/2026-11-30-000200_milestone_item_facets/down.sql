DROP TRIGGER items_facets_to_milestones;
DROP TRIGGER milestones_item_facets_move;
DROP TRIGGER milestones_item_facets_insert;
DROP INDEX milestones_jurisdiction_idx;
DROP INDEX milestones_kind_idx;
ALTER TABLE milestones DROP COLUMN item_jurisdiction;
ALTER TABLE milestones DROP COLUMN item_kind;
