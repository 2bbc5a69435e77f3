DROP TABLE source_fetches;
DROP TABLE proposals;
