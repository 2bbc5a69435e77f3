-- Who holds a delivery while it is `sending`: a token unique to one claim.
-- A worker sends, extends or records a delivery only while the row still
-- carries its token, so a claim taken over after its lease ran out is never
-- acted on twice.
ALTER TABLE deliveries ADD COLUMN claim_token TEXT;
