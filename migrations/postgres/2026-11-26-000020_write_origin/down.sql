ALTER TABLE changes DROP COLUMN origin;
ALTER TABLE revisions DROP COLUMN origin;
