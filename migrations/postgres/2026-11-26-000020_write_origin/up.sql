-- How a revision or change was written: NULL for the web forms and the API,
-- 'import' for `regwatch import` and /import, 'import-without-alerts' for an
-- import that queued no alerts.
ALTER TABLE revisions ADD COLUMN origin TEXT;
ALTER TABLE changes ADD COLUMN origin TEXT;
